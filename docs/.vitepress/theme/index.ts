/**
 * The default VitePress theme plus what the book needs on top: twoslash
 * hover cards, the mermaid diagram component, and the styles of the
 * annotated-source pages.
 */
import TwoslashFloatingVue from '@shikijs/vitepress-twoslash/client';
import type { Theme } from 'vitepress';
import DefaultTheme from 'vitepress/theme';
import '@shikijs/vitepress-twoslash/style.css';
import './style.css';
import Mermaid from './Mermaid.js';

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.use(TwoslashFloatingVue);
    app.component('Mermaid', Mermaid);
  },
};

export default theme;
