/** Save a chart's SVG as an .svg file or a 2× .png, in the browser and in the desktop app alike. */
import { downloadBlob } from '../download';

function svgText(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const style = getComputedStyle(document.body);
  clone.setAttribute('style', `background:${style.backgroundColor};font-family:${style.fontFamily}`);
  return new XMLSerializer().serializeToString(clone);
}

export function saveSvg(container: HTMLElement | null, name: string): void {
  const svg = container?.querySelector('svg.recharts-surface');
  if (svg instanceof SVGSVGElement) downloadBlob(new Blob([svgText(svg)], { type: 'image/svg+xml' }), `${name}.svg`);
}

export async function savePng(container: HTMLElement | null, name: string): Promise<void> {
  const svg = container?.querySelector('svg.recharts-surface');
  if (!(svg instanceof SVGSVGElement)) return;
  const { width, height } = svg.getBoundingClientRect();
  const img = new Image();
  const url = URL.createObjectURL(new Blob([svgText(svg)], { type: 'image/svg+xml' }));
  await new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('could not render the chart'));
    img.src = url;
  });
  const canvas = document.createElement('canvas');
  canvas.width = width * 2;
  canvas.height = height * 2;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.scale(2, 2);
  ctx.drawImage(img, 0, 0, width, height);
  URL.revokeObjectURL(url);
  canvas.toBlob((blob) => blob && downloadBlob(blob, `${name}.png`), 'image/png');
}
