// Grafana's grid in pixels: 24 columns over the page's width, rows of 30 px,
// 8 px between panels both ways. The page lays panels out with a CSS grid of
// the same measures; the charts need their size in pixels up front. Pure.
import type { GridPos } from './model.js';

export const GRID = { columns: 24, rowPx: 30, gapPx: 8, pagePaddingPx: 16 } as const;
/** The page's header above the grid: title, window, caption, markers. */
export const HEADER_PX = 124;

export interface PanelBox { readonly width: number; readonly height: number }

export function panelBox(pos: GridPos, pageWidth: number): PanelBox {
  const inner = pageWidth - 2 * GRID.pagePaddingPx;
  const column = (inner - (GRID.columns - 1) * GRID.gapPx) / GRID.columns;
  return {
    width: Math.floor(pos.w * column + (pos.w - 1) * GRID.gapPx),
    height: pos.h * GRID.rowPx + (pos.h - 1) * GRID.gapPx,
  };
}

/** The page's height for the screenshot: header, every row of the grid, padding. */
export function pageHeight(positions: readonly GridPos[]): number {
  const rows = Math.max(0, ...positions.map((p) => p.y + p.h));
  return HEADER_PX + rows * GRID.rowPx + Math.max(0, rows - 1) * GRID.gapPx + 2 * GRID.pagePaddingPx;
}
