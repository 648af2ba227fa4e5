import { Migration } from '@mikro-orm/migrations';
import { wgs84ToGcj02 } from '@openhall/shared';

/**
 * Hall positions move from WGS-84 to GCJ-02, the datum AMap, Tencent Maps and the mini-program's
 * map draw in: kept in WGS-84, every pin and distance was 300–600 m off in Hangzhou on those maps.
 * Each stored hall is converted once (a fresh database has none yet: the demo data is GCJ-02).
 */
export class Migration20261204180000_halls_gcj02 extends Migration {
  override async up(): Promise<void> {
    const halls = (await this.execute('select `id`, `lat`, `lng` from `hall`')) as Array<{ id: number; lat: number | string; lng: number | string }>;
    for (const h of halls) {
      const p = wgs84ToGcj02({ lat: Number(h.lat), lng: Number(h.lng) });
      // Six decimals: about 0.1 m, finer than any hall needs and stable across both databases.
      await this.execute('update `hall` set `lat` = ?, `lng` = ? where `id` = ?', [Math.round(p.lat * 1e6) / 1e6, Math.round(p.lng * 1e6) / 1e6, h.id]);
    }
  }
}
