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
        mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme });
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

    return () => h('div', { ref: root, class: props.class, innerHTML: svg.value });
  },
});
