// Scan feedback with the Web Audio API: a short high beep for success, a low double buzz for a
// problem. No audio files; the context is created on the first key press or click.

let ctx: AudioContext | null = null;

function audio(): AudioContext | null {
  try {
    if (!ctx) {
      const AC = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!AC) return null;
      ctx = new AC();
    }
    if (ctx.state === "suspended") void ctx.resume();
    return ctx;
  } catch {
    return null;
  }
}

function tone(freq: number, start: number, duration: number, type: OscillatorType, volume: number): void {
  const a = audio();
  if (!a) return;
  const osc = a.createOscillator();
  const gain = a.createGain();
  osc.type = type;
  osc.frequency.value = freq;
  const t0 = a.currentTime + start;
  gain.gain.setValueAtTime(0.0001, t0);
  gain.gain.exponentialRampToValueAtTime(volume, t0 + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, t0 + duration);
  osc.connect(gain).connect(a.destination);
  osc.start(t0);
  osc.stop(t0 + duration + 0.02);
}

export function beepOk(): void {
  tone(1320, 0, 0.09, "sine", 0.25);
}

export function buzzError(): void {
  tone(150, 0, 0.16, "square", 0.18);
  tone(150, 0.22, 0.2, "square", 0.18);
}

/** Make sure audio may play (call from a user gesture). */
export function primeAudio(): void {
  audio();
}
