/**
 * The component that draws the book's ```mermaid blocks.
 *
 * vitepress-plugin-mermaid turns each block into `<Mermaid id graph>`; this
 * is the component behind that tag. The plugin ships its own, which
 * re-renders whenever any attribute of `<html>` changes and calls
 * `mermaid.initialize` before every render. On a busy machine two of those
 * renders overlap, and the loser paints mermaid's "Syntax error in text"
 * picture over a perfectly good diagram (the book's browser test caught it).
 * This one renders once per colour scheme, one diagram at a time.
 *
 * A diagram is drawn at its natural size when it fits the column and scaled
 * down when it does not (the book's diagrams are laid out so that the
 * scaled text stays at 12 px or more at 1280 px: the browser test measures
 * it). A click, or Enter on the focused diagram, opens it enlarged in a
 * modal dialog; Escape, the close button or a click outside closes it.
 */
import { defineComponent, h, nextTick, onMounted, onUnmounted, ref } from 'vue';

/** All diagrams on a page share one mermaid instance: render them one after another. */
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * A diagram is empty until it renders, then pushes everything below it down.
 * If the page was opened at an anchor (`…#truth-table`) below a diagram, the
 * browser has already scrolled, to the wrong place: put the anchor back in
 * view — unless the reader has started scrolling by themselves.
 */
let readerScrolled = false;
if (typeof window !== 'undefined') {
  for (const event of ['wheel', 'touchmove', 'keydown', 'mousedown']) {
    window.addEventListener(event, () => (readerScrolled = true), { once: true, passive: true });
  }
}
function keepAnchorInView(diagram: Element | null) {
  const id = decodeURIComponent(location.hash.slice(1));
  const target = id ? document.getElementById(id) : null;
  if (readerScrolled || !target || !diagram) return;
  // Only diagrams above the anchor move it.
  if (!(diagram.compareDocumentPosition(target) & Node.DOCUMENT_POSITION_FOLLOWING)) return;
  const nav = Number.parseInt(
    getComputedStyle(document.documentElement).getPropertyValue('--vp-nav-height') || '64',
    10,
  );
  window.scrollTo({ top: target.getBoundingClientRect().top + window.scrollY - nav - 24 });
}

/**
 * Show one diagram as large as the screen allows (never smaller than its
 * natural size: a diagram wider than the screen scrolls inside the dialog).
 */
function enlarge(drawn: SVGSVGElement) {
  const dialog = document.createElement('dialog');
  dialog.className = 'diagram-dialog';
  dialog.setAttribute('aria-label', 'Enlarged diagram');
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'diagram-dialog-close';
  close.textContent = 'Close ✕';
  close.addEventListener('click', () => dialog.close());
  const frame = document.createElement('div');
  frame.className = 'diagram-dialog-frame';
  const svg = drawn.cloneNode(true) as SVGSVGElement;
  const box = svg.viewBox.baseVal;
  const natural = box?.width ? box : { width: drawn.clientWidth, height: drawn.clientHeight };
  const zoom = Math.max(
    1,
    Math.min(2, (innerWidth * 0.92) / natural.width, (innerHeight * 0.85) / natural.height),
  );
  svg.removeAttribute('height');
  svg.style.maxWidth = 'none';
  svg.style.width = `${Math.round(natural.width * zoom)}px`;
  svg.style.height = 'auto';
  frame.append(svg);
  dialog.append(close, frame);
  // A click on the backdrop (the dialog itself, outside the frame) closes it.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  close.focus();
}

export default defineComponent({
  name: 'Mermaid',
  props: {
    id: { type: String, required: true },
    graph: { type: String, required: true },
    class: { type: String, default: 'mermaid' },
  },
  setup(props) {
    const svg = ref('');
    const root = ref<HTMLElement | null>(null);
    let drawnFor = '';
    let observer: MutationObserver | undefined;

    const draw = () =>
      oneAtATime(async () => {
        const theme = document.documentElement.classList.contains('dark') ? 'dark' : 'default';
        if (theme === drawnFor) return;
        const { default: mermaid } = await import('mermaid');
        mermaid.initialize({
          startOnLoad: false,
          securityLevel: 'strict',
          theme,
          // Text as text, not HTML in <foreignObject>: it scales with the SVG
          // and measures the same in every browser.
          flowchart: {
            htmlLabels: false,
            useMaxWidth: true,
            padding: 6,
            nodeSpacing: 28,
            rankSpacing: 36,
          },
          themeVariables: { fontSize: '15px' },
          sequence: {
            useMaxWidth: true,
            wrap: true,
            width: 120,
            actorMargin: 40,
            messageMargin: 24,
          },
        });
        const { svg: code } = await mermaid.render(
          `${props.id}-${theme}`,
          decodeURIComponent(props.graph),
        );
        const first = drawnFor === '';
        svg.value = code;
        drawnFor = theme;
        if (first) {
          await nextTick();
          keepAnchorInView(root.value);
        }
      });

    onMounted(() => {
      // Follow the light/dark switch.
      observer = new MutationObserver(() => void draw());
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
      void draw();
    });
    onUnmounted(() => observer?.disconnect());

    const open = () => {
      const drawn = root.value?.querySelector('svg');
      if (drawn) enlarge(drawn);
    };
    return () =>
      h('div', {
        ref: root,
        class: [props.class, 'diagram-zoomable'],
        role: 'button',
        tabindex: 0,
        title: 'Click to enlarge',
        'aria-label': 'Diagram: click or press Enter to enlarge',
        innerHTML: svg.value,
        onClick: open,
        onKeydown: (event: KeyboardEvent) => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            open();
          }
        },
      });
  },
});
