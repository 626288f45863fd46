/**
 * The default VitePress theme plus what the book needs on top: twoslash
 * hover cards, the mermaid diagram component, the styles of the
 * annotated-source pages, and the folds of the port's trace calls.
 */
import TwoslashFloatingVue from '@shikijs/vitepress-twoslash/client';
import { type Theme, useData, withBase } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import { defineComponent, h } from 'vue';
import '@shikijs/vitepress-twoslash/style.css';
import './style.css';
import Mermaid from './Mermaid.js';

/**
 * A proof badge's tooltip is centred over the badge; near the edge of a
 * phone screen that would put half of it off screen. Nudge it back in, and
 * below the badge when there is no room above (under the nav bar).
 */
function keepTipsOnScreen() {
  const place = (event: Event) => {
    const badge = (event.target as Element | null)?.closest?.('.proof-badge');
    const tip = badge?.querySelector<HTMLElement>('.proof-tip');
    if (!tip) return;
    tip.style.transform = '';
    tip.classList.remove('below');
    const box = tip.getBoundingClientRect();
    const margin = 8;
    let shift = 0;
    if (box.left < margin) shift = margin - box.left;
    else if (box.right > innerWidth - margin) shift = innerWidth - margin - box.right;
    tip.style.transform = `translateX(calc(-50% + ${Math.round(shift)}px))`;
    if (box.top < 72) tip.classList.add('below');
  };
  document.addEventListener('mouseover', place);
  document.addEventListener('focusin', place);
}

/**
 * Folded `trace(…)` calls in listings (docs/scripts/port-lines.ts): a click,
 * Enter or Space on the folded line shows the call; a click on the shown
 * call folds it again (unless the reader is selecting text in it).
 */
function togglePortFolds() {
  const open = (fold: HTMLElement, show: boolean) => {
    const row = fold.closest('.port-fold-row');
    row?.classList.toggle('open', show);
    fold.setAttribute('aria-expanded', String(show));
    if (!show) fold.focus({ preventScroll: true });
  };
  document.addEventListener('click', (event) => {
    const target = event.target as Element | null;
    const fold = target?.closest?.<HTMLElement>('.port-fold');
    if (fold) return open(fold, true);
    const shown = target?.closest?.('.port-trace');
    const row = shown?.previousElementSibling;
    if (!row?.classList.contains('port-fold-row')) return;
    if (!(getSelection()?.isCollapsed ?? true)) return;
    const again = row.querySelector<HTMLElement>('.port-fold');
    if (again) open(again, false);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const fold = (event.target as Element | null)?.closest?.<HTMLElement>('.port-fold');
    if (!fold) return;
    event.preventDefault();
    open(fold, true);
  });
}

/**
 * A reader who arrives with an error message should be one click from the
 * troubleshooting table, on a phone too (where the nav bar folds away): a
 * line above every page's text, except on the pitfalls page itself.
 */
const TroubleshootingLink = defineComponent({
  name: 'TroubleshootingLink',
  setup() {
    const { page } = useData();
    return () =>
      ['pitfalls.md', 'chapters/pitfalls.md'].includes(page.value.relativePath)
        ? null
        : h('p', { class: 'troubleshooting-link' }, [
            'Something broken? ',
            h(
              'a',
              { href: withBase('/pitfalls.html#find-your-symptom') },
              'Find your error or symptom →',
            ),
          ]);
  },
});

const theme: Theme = {
  extends: DefaultTheme,
  Layout: () => h(DefaultTheme.Layout, null, { 'doc-before': () => h(TroubleshootingLink) }),
  enhanceApp({ app }) {
    app.use(TwoslashFloatingVue);
    app.component('Mermaid', Mermaid);
    if (typeof document !== 'undefined') {
      keepTipsOnScreen();
      togglePortFolds();
    }
  },
};

export default theme;
