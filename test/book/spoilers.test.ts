/**
 * No page gives an exercise away. A static site cannot know how far a
 * reader has got, so every listing that shows the reference of a write or
 * fix step — embedded with `<<< …#region` in any chapter, or quoted line
 * by line, or in the annotated source — is folded: a `::: details` (or
 * `<details>`) the reader opens on purpose, whose title names the exercise
 * to try first.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderPage } from '../../docs/scripts/annotate.js';
import { STEPS, type Step } from '../exercises/catalog.js';
import { findRegions } from '../exercises/runner/stubs.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHAPTERS = path.join(ROOT, 'chapters');

/** The steps whose answer is code in `src/`, with the line range of their region. */
const exercised = STEPS.filter((s) => s.target?.file.startsWith('src/')).map((step) => {
  const text = fs.readFileSync(path.join(ROOT, step.target!.file), 'utf8');
  const region = findRegions(text).find((r) => r.name === step.target!.region)!;
  return { step, file: step.target!.file, text, start: region.start, end: region.end };
});
const numberOf = (step: Step) => STEPS.indexOf(step) + 1;

/**
 * Lines of a region's code that only its answer would contain: long
 * enough to be distinctive, not comments, not the signature (the
 * workspace shows that anyway), and found nowhere else in the file but in
 * exercised regions (a line the file repeats in plain view gives nothing
 * away).
 */
function telltales(text: string, start: number, end: number): string[] {
  const lines = text.slice(start, end).split('\n');
  const body = lines.slice(lines.findIndex((l) => /\{\s*$/.test(l) && !/^\s*(\*|\/)/.test(l)) + 1);
  const mine = exercised.filter((x) => x.text === text);
  let elsewhere = text;
  for (const x of [...mine].sort((a, b) => b.start - a.start)) {
    elsewhere = elsewhere.slice(0, x.start) + elsewhere.slice(x.end);
  }
  const plain = new Set(elsewhere.split('\n').map((l) => l.trim()));
  return body
    .map((l) => l.trim())
    .filter((l) => l.length >= 30 && !/^(\/\/|\*|\/\*)/.test(l) && !plain.has(l));
}

/** Does a fold's title name exercise `n`? */
const names = (title: string, n: number) => new RegExp(`\\bexercise ${n}\\b`).test(title);

/** The exercises whose region in `file` holds the line `line`. */
function holders(file: string, line: string): number[] {
  return exercised
    .filter((x) => x.file === file && x.text.slice(x.start, x.end).includes(line))
    .map((x) => numberOf(x.step));
}

/** A chapter's lines, each with the `::: details` title it sits in (if any). */
function withContainers(markdown: string): { line: string; folded?: string }[] {
  const out: { line: string; folded?: string }[] = [];
  const stack: (string | undefined)[] = [];
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const open = !fence && /^:::+\s*(\w+)\s*(.*)$/.exec(line.trim());
    if (open) stack.push(open[1] === 'details' ? open[2] || 'Details' : undefined);
    else if (!fence && /^:::+\s*$/.test(line.trim())) stack.pop();
    const folded = [...stack].reverse().find((t) => t !== undefined);
    out.push({ line, folded });
    if (!fence && /<details\b/.test(line)) stack.push('details');
    const summary = !fence && /<summary>(.*?)<\/summary>/.exec(line);
    if (summary && stack.length) stack[stack.length - 1] = summary[1];
    if (!fence && /<\/details>/.test(line)) stack.pop();
  }
  return out;
}

const chapters = fs
  .readdirSync(CHAPTERS)
  .filter((f) => f.endsWith('.md'))
  .map((f) => ({
    file: f,
    lines: withContainers(fs.readFileSync(path.join(CHAPTERS, f), 'utf8')),
  }));

describe('no page shows the answer to an exercise unfolded', () => {
  it('every embedded listing that holds a write or fix step’s region is folded, and names the exercise', () => {
    const open: string[] = [];
    let embeds = 0;
    for (const { file, lines } of chapters) {
      for (const { line, folded } of lines) {
        const embed = /^<<<\s+(?:@\/|\.\.\/)(\S+?)(?:#([\w-]+))?(?:\s|$)/.exec(line.trim());
        if (!embed) continue;
        const [, source, region] = embed as unknown as [string, string, string | undefined];
        const inside = exercised.filter((x) => {
          if (x.file !== source) return false;
          if (!region) return true;
          const r = findRegions(x.text).find((g) => g.name === region);
          return !!r && r.start <= x.start && x.end <= r.end;
        });
        if (!inside.length) continue;
        embeds++;
        const listed = inside.map((x) => `${numberOf(x.step)} ${x.step.name}`).join(', ');
        if (!folded) open.push(`${file}: ${line.trim()} (exercise ${listed})`);
        else if (!inside.some((x) => names(folded, numberOf(x.step)))) {
          open.push(
            `${file}: ${line.trim()} is folded as "${folded}", which names none of: ${listed}`,
          );
        }
      }
    }
    expect(embeds, 'embeds of exercised regions found').toBeGreaterThan(20);
    expect(
      open,
      'unfolded (fold them: ::: details Reference implementation — try exercise N first)',
    ).toEqual([]);
  });

  it('no chapter quotes an exercise’s answer line by line outside a fold', () => {
    const quoted: string[] = [];
    for (const x of exercised) {
      const lines = telltales(x.text, x.start, x.end);
      for (const { file, lines: text } of chapters) {
        for (const { line, folded } of text) {
          if (folded || line.trim().startsWith('<<<')) continue;
          const hit = lines.find((l) => line.includes(l));
          if (hit) quoted.push(`${file}: "${hit}" (exercise ${numberOf(x.step)} ${x.step.name})`);
        }
      }
    }
    expect(quoted).toEqual([]);
  });

  it('the annotated source folds each exercised region, and names the exercise', () => {
    const open: string[] = [];
    for (const file of new Set(exercised.map((x) => x.file))) {
      const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
      const page = withContainers(renderPage(file.replace(/^src\//, ''), source));
      for (const x of exercised.filter((e) => e.file === file)) {
        const lines = telltales(x.text, x.start, x.end);
        expect(lines.length, `${x.step.name} has lines to look for`).toBeGreaterThan(0);
        for (const { line, folded } of page) {
          const hit = lines.find((l) => line.trim() === l);
          if (!hit) continue;
          if (!folded) open.push(`${file}: "${hit}" (exercise ${numberOf(x.step)} ${x.step.name})`);
          else if (!holders(file, hit).some((n) => names(folded, n))) {
            open.push(
              `${file}: "${hit}" folded as "${folded}", not naming exercise ${numberOf(x.step)}`,
            );
          }
        }
      }
    }
    expect(open).toEqual([]);
  });
});
