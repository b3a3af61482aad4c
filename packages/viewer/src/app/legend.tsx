import { DIFF_GRADIENT } from '@monkeytracker/browser';
import {
  diffPosition,
  gradientCss,
  heatLegendCss,
  noun,
  REACH_COLOURS,
  reachDiffPeak,
  type Scene,
} from './paint';

const int = (n: number) => n.toLocaleString('en-US');

interface Tick {
  at: number;
  text: string;
}

function Bar(props: { background: string; ticks: Tick[]; caption: string }) {
  return (
    <figure class="legend">
      <div class="legend-scale">
        <div class="legend-bar" style={{ background: `${props.background}, #3a4050` }} />
        <div class="legend-ticks">
          {props.ticks.map((t) => (
            <span
              key={t.text}
              class="legend-tick"
              style={{
                left: `${t.at * 100}%`,
                transform: t.at <= 0 ? 'none' : t.at >= 1 ? 'translateX(-100%)' : 'translateX(-50%)',
              }}
            >
              {t.text}
            </span>
          ))}
        </div>
      </div>
      <figcaption>{props.caption}</figcaption>
    </figure>
  );
}

/** The colour scale of what is drawn, with the real numbers behind it. */
export function Legend({ scene }: { scene: Scene }) {
  if (scene.mode === 'element') {
    const what = noun(scene.kind);
    const g = scene.heatmap.grid;
    return (
      <Bar
        background={heatLegendCss()}
        ticks={[
          { at: 0, text: '1' },
          { at: 1, text: int(Math.max(1, scene.heatmap.cellMax)) },
        ]}
        caption={`${what[0]!.toUpperCase()}${what.slice(1)} per 1/${g.cells} × 1/${g.cells} of an element`}
      />
    );
  }
  const h = scene.heatmap;
  const b = h.compare;
  const what = noun(scene.kind);
  if (scene.kind === 'scroll') {
    if (scene.compare === 'diff' && b) {
      const peak = Math.round(reachDiffPeak(h, b) * 100);
      return (
        <Bar
          background={gradientCss(DIFF_GRADIENT)}
          ticks={[
            { at: 0, text: `−${peak} points` },
            { at: 0.5, text: 'same' },
            { at: 1, text: `+${peak} points` },
          ]}
          caption="Page views that reached each depth, this period minus the baseline"
        />
      );
    }
    return (
      <Bar
        background={gradientCss(REACH_COLOURS)}
        ticks={[
          { at: 0, text: '0 %' },
          { at: 0.5, text: '50 %' },
          { at: 1, text: '100 %' },
        ]}
        caption="Page views that reached each depth"
      />
    );
  }
  if (scene.compare === 'diff' && b) {
    const ratios: [number, string][] = [
      [0.5, '−50 %'],
      [1, 'same'],
      [2, '+100 %'],
    ];
    return (
      <Bar
        background={gradientCss(DIFF_GRADIENT)}
        ticks={[
          { at: 0, text: '−100 %' },
          ...ratios.map(([r, text]) => ({ at: diffPosition(r), text })),
          { at: 1, text: 'new' },
        ]}
        caption={`Share of ${what} here, this period vs the baseline`}
      />
    );
  }
  if (scene.compare === 'side' && b) {
    const peak = Math.max(h.total > 0 ? h.max / h.total : 0, b.total > 0 ? b.max / b.total : 0);
    return (
      <Bar
        background={heatLegendCss()}
        ticks={[
          { at: 0, text: `1 ${noun(scene.kind, 1)}` },
          { at: 1, text: `${(peak * 100).toFixed(peak < 0.01 ? 2 : 1)} % of a period's ${what}` },
        ]}
        caption={`${what[0]!.toUpperCase()}${what.slice(1)} per ${h.cellSize} px cell, one scale for both periods`}
      />
    );
  }
  return (
    <Bar
      background={heatLegendCss()}
      ticks={[
        { at: 0, text: '1' },
        { at: 1, text: int(Math.max(1, h.max)) },
      ]}
      caption={`${what[0]!.toUpperCase()}${what.slice(1)} per ${h.cellSize} px cell`}
    />
  );
}
