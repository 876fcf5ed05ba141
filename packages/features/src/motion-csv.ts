/**
 * Motion recordings exported as CSV by other tools (phone sensor-logger apps, IoT gateways).
 *
 * Format: a header row naming the columns; channel columns use the MOTION_CHANNELS names (ax, ay, az, gx, …,
 * case-insensitive); one time column, `t` in seconds or `timestamp` in milliseconds. The rate is taken as
 * (rows - 1) / (last time - first time), i.e. rows are assumed evenly spaced; other columns are ignored.
 */
import { MOTION_CHANNELS, parseMotionRecording, type MotionChannel, type MotionRecording } from './motion.ts';
import { splitCsvLine } from './tabular.ts';

export function parseMotionCsv(text: string): MotionRecording {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length < 3) throw new Error(`Motion CSV needs a header and at least two rows, got ${lines.length} non-empty line(s)`);
  const header = splitCsvLine(lines[0]).map((name) => name.toLowerCase());
  const timeColumn = header.findIndex((name) => name === 't' || name === 'timestamp');
  if (timeColumn < 0) throw new Error(`Motion CSV needs a "t" (seconds) or "timestamp" (milliseconds) column; its columns are: ${header.join(', ')}`);
  const unitsPerSecond = header[timeColumn] === 't' ? 1 : 1000;
  const channelColumns = header.flatMap((name, column) => (MOTION_CHANNELS as readonly string[]).includes(name) ? [{ name: name as MotionChannel, column }] : []);
  if (channelColumns.length === 0) throw new Error(`Motion CSV has no channel columns (${MOTION_CHANNELS.join(', ')}); its columns are: ${header.join(', ')}`);
  const data: number[] = [];
  const times: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const cells = splitCsvLine(lines[i]);
    if (cells.length !== header.length) throw new Error(`Motion CSV line ${i + 1} has ${cells.length} cells, the header has ${header.length}`);
    const time = Number(cells[timeColumn]);
    if (cells[timeColumn] === '' || !Number.isFinite(time)) throw new Error(`Motion CSV line ${i + 1}: time "${cells[timeColumn]}" is not a number`);
    times.push(time);
    for (const { name, column } of channelColumns) {
      const value = Number(cells[column]);
      if (cells[column] === '' || !Number.isFinite(value)) throw new Error(`Motion CSV line ${i + 1}: ${name} "${cells[column]}" is not a number`);
      data.push(value);
    }
  }
  const duration = times[times.length - 1] - times[0];
  if (!(duration > 0)) throw new Error(`Motion CSV time column does not increase (first ${times[0]}, last ${times[times.length - 1]})`);
  const rateHz = ((times.length - 1) * unitsPerSecond) / duration;
  return parseMotionRecording({ format: 'offgrid.motion.v1', rateHz, channels: channelColumns.map((c) => c.name), data });
}
