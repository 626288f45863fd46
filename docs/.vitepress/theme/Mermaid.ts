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
import { defineComponent, h, onMounted, onUnmounted, ref } from 'vue';

/** All diagrams on a page share one mermaid instance: render them one after another. */
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
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
        svg.value = code;
        drawnFor = theme;
      });

    onMounted(() => {
      // Follow the light/dark switch.
      observer = new MutationObserver(() => void draw());
      observer.observe(document.documentElement, { attributes: true, attributeFilter: ['class'] });
      void draw();
    });
    onUnmounted(() => observer?.disconnect());

    return () => h('div', { class: props.class, innerHTML: svg.value });
  },
});
