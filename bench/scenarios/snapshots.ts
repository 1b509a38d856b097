import type { Row } from '../harness/report';
import type { BenchContext } from './context';

export async function snapshotScenarios(_ctx: BenchContext): Promise<Row[]> {
  throw new Error('placeholder');
}
