/** CatalogStore on every engine: regions, services and endpoints, filters and cascades. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Conflict, NotFound } from '../../platform/errors.js';
import { newHexId } from '../../platform/ids.js';
import { openTestDatabase, STORE_ENGINES, type TestDatabase } from '../stores-testing.js';
import { CatalogStore } from './store.js';
import type { Endpoint, Service } from '../model.js';

const service = (type: string, extra: Partial<Service> = {}): Service => ({ id: newHexId(), type, enabled: true, extra: { name: type }, ...extra });
const endpoint = (serviceId: string, iface: Endpoint['interface'], regionId: string | null, extra: Partial<Endpoint> = {}): Endpoint =>
  ({ id: newHexId(), serviceId, regionId, interface: iface, url: `http://127.0.0.1:9/${iface}`, enabled: true, extra: {}, ...extra });

for (const { engine, skip } of STORE_ENGINES) {
  describe(`CatalogStore (${engine})`, { ...(skip ? { skip } : {}) }, () => {
    let t: TestDatabase;
    let store: CatalogStore;

    before(async () => {
      t = await openTestDatabase(engine, 'catalog');
      store = new CatalogStore(t.db);
    });
    after(async () => t?.close());

    test('regions: insert, find, children, update, delete; ids are unique (Conflict)', async () => {
      const parent = await store.insertRegion({ id: 'Parent', description: 'p', parentRegionId: null, extra: { x: 1 } });
      const child = await store.insertRegion({ id: 'Child', description: '', parentRegionId: 'Parent', extra: {} });
      assert.deepEqual(await store.findRegion('Parent'), parent);
      await assert.rejects(store.insertRegion({ ...parent, description: 'again' }), Conflict);
      assert.deepEqual((await store.listRegions({ parentRegionId: 'Parent' })).map((r) => r.id), ['Child']);
      await store.updateRegion({ ...child, description: 'moved', parentRegionId: null });
      assert.deepEqual(await store.getRegion('Child'), { ...child, description: 'moved', parentRegionId: null });
      await store.deleteRegion('Child');
      await assert.rejects(store.getRegion('Child'), NotFound);
      assert.equal(await store.findRegion('nowhere'), undefined);
    });

    test('services: insert, filter by type, update, get', async () => {
      const a = await store.insertService(service('compute'));
      const b = await store.insertService(service('compute', { enabled: false }));
      await store.insertService(service('image'));
      assert.deepEqual((await store.listServices({ type: 'compute' })).map((s) => s.id).sort(), [a.id, b.id].sort());
      await store.updateService({ ...b, type: 'volume', enabled: true, extra: { name: 'cinder' } });
      assert.deepEqual(await store.getService(b.id), { ...b, type: 'volume', enabled: true, extra: { name: 'cinder' } });
      await assert.rejects(store.getService(newHexId()), NotFound);
    });

    test('endpoints: insert, filter by service, interface, region and ids, update', async () => {
      await store.insertRegion({ id: 'R1', description: '', parentRegionId: null, extra: {} });
      const s = await store.insertService(service('network'));
      const pub = await store.insertEndpoint(endpoint(s.id, 'public', 'R1'));
      const int = await store.insertEndpoint(endpoint(s.id, 'internal', null, { enabled: false, extra: { legacy: true } }));
      assert.deepEqual(await store.findEndpoint(int.id), int);
      assert.deepEqual((await store.listEndpoints({ serviceId: s.id })).map((e) => e.id).sort(), [pub.id, int.id].sort());
      assert.deepEqual((await store.listEndpoints({ serviceId: s.id, interface: 'public' })).map((e) => e.id), [pub.id]);
      assert.deepEqual((await store.listEndpoints({ regionId: 'R1' })).map((e) => e.id), [pub.id]);
      assert.deepEqual(await store.listEndpoints({ ids: [] }), []);
      await store.updateEndpoint({ ...pub, url: 'http://127.0.0.1:9/new', enabled: false });
      assert.equal((await store.getEndpoint(pub.id)).url, 'http://127.0.0.1:9/new');
    });

    test('an endpoint of an unknown service is refused by the database', async () => {
      await assert.rejects(store.insertEndpoint(endpoint(newHexId(), 'public', null)));
    });

    test('deleting a service deletes its endpoints; deleting an endpoint removes its project links', async () => {
      const s = await store.insertService(service('orchestration'));
      const e1 = await store.insertEndpoint(endpoint(s.id, 'public', null));
      const other = await store.insertService(service('dns'));
      const e2 = await store.insertEndpoint(endpoint(other.id, 'public', null));
      await t.db.insertInto('project_endpoint').values({ endpoint_id: e2.id, project_id: 'p1' }).execute();
      await store.deleteService(s.id);
      assert.equal(await store.findService(s.id), undefined);
      assert.equal(await store.findEndpoint(e1.id), undefined);
      await store.deleteEndpoint(e2.id);
      assert.deepEqual(await t.db.selectFrom('project_endpoint').selectAll().where('endpoint_id', '=', e2.id).execute(), []);
      assert.ok(await store.findService(other.id));
    });

    test('a service deleted straight from the table takes its endpoints with it (foreign keys)', async () => {
      const s = await store.insertService(service('fk'));
      const e = await store.insertEndpoint(endpoint(s.id, 'admin', null));
      await t.db.deleteFrom('service').where('id', '=', s.id).execute();
      assert.equal(await store.findEndpoint(e.id), undefined);
    });
  });
}
