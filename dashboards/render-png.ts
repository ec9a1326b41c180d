/**
 * SVG → PNG through @resvg/resvg-js. resvg draws text only with fonts it was given, so the font
 * files are found once: the sans-serif faces the theme names (Liberation Sans, DejaVu Sans for
 * the glyphs it lacks) under the usual font directories, else every system font.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Resvg, type RenderedImage, type ResvgRenderOptions } from '@resvg/resvg-js';

export interface PngOptions {
  /** Pixels per SVG unit: 2 gives a sharp image on high-density screens. Default 2. */
  scale?: number;
  /** Fill behind the chart (PNG has no page behind it). Default white. */
  background?: string;
  /** Font files to use instead of the ones found on this machine. */
  fontFiles?: string[];
}

const FONT_DIRS = [
  '/usr/share/fonts',
  '/usr/local/share/fonts',
  '/Library/Fonts',
  '/System/Library/Fonts',
  'C:\\Windows\\Fonts',
];
/** Faces the theme's font list names, regular and bold. */
const WANTED =
  /^(LiberationSans-(Regular|Bold)|DejaVuSans(-Bold)?|Arial(bd)?|Helvetica)\.(ttf|otf|ttc)$/i;

let found: string[] | undefined;

function walk(dir: string, out: string[], depth = 0): void {
  if (depth > 4) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out, depth + 1);
    else if (WANTED.test(e.name)) out.push(p);
  }
}

/** The theme's font files on this machine (cached); empty when none is installed. */
export function themeFontFiles(): string[] {
  if (found === undefined) {
    const out: string[] = [];
    for (const d of FONT_DIRS) walk(d, out);
    found = out.sort();
  }
  return found;
}

function fontOptions(files: string[] | undefined): NonNullable<ResvgRenderOptions['font']> {
  const fontFiles = files ?? themeFontFiles();
  const family = fontFiles.some((f) => /LiberationSans/i.test(f))
    ? 'Liberation Sans'
    : 'DejaVu Sans';
  return fontFiles.length > 0
    ? { loadSystemFonts: false, fontFiles, defaultFontFamily: family, sansSerifFamily: family }
    : { loadSystemFonts: true };
}

/**
 * The SVG drawn to pixels (RGBA), `scale` × its size; `asPng()` encodes it. Its `pixels` is a
 * getter that copies the image on every read: read it once into a variable.
 */
export function rasterize(svg: string, opts: PngOptions = {}): RenderedImage {
  const scale = opts.scale ?? 2;
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: opts.background ?? 'white',
    font: fontOptions(opts.fontFiles),
    logLevel: 'off',
  });
  return resvg.render();
}

/** The SVG as PNG bytes, `scale` × its size. */
export function renderPng(svg: string, opts: PngOptions = {}): Buffer {
  return rasterize(svg, opts).asPng();
}
