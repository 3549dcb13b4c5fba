import type { storeKeys } from '../store/keys.js';

/**
 * The KEYS of every lifecycle script, as data: the one place they are listed, so a test can
 * check that each script's keys share one Redis Cluster slot (every id here embeds the
 * message's id, hence its shard: store/keyspace.ts).
 */
export function lifecycleKeys(keys: ReturnType<typeof storeKeys>) {
  const message = (id: string) => [keys.message(id), keys.pending(id)];
  const counting = (id: string) => [...message(id), keys.finished(id)];
  const delivery = (deliveryId: string) => [keys.delivered(deliveryId), keys.deliveryState(deliveryId)];
  return {
    accept: (id: string) => [keys.message(id)],
    withdraw: (id: string) => message(id),
    route: (id: string) => [...message(id), keys.trace(id)],
    begin: (id: string, deliveryId: string) => [...delivery(deliveryId), ...counting(id)],
    defer: (deliveryId: string) => delivery(deliveryId),
    deliver: (id: string, deliveryId: string) => [...counting(id), ...delivery(deliveryId), keys.trace(id)],
    deadLetter: (id: string, deliveryId: string) => [...message(id), ...delivery(deliveryId), keys.trace(id)],
    retry: (id: string, deliveryId: string) => [...delivery(deliveryId), keys.trace(id)],
    create: (id: string) => [...message(id), keys.trace(id), keys.notificationCreated(id)],
    fold: (id: string, partId: string) => [...counting(id), ...delivery(partId), keys.trace(id)],
    delete: (id: string, deliveryId: string) => [...counting(id), ...delivery(deliveryId), keys.trace(id)],
    replay: (id: string, deadDeliveryIds: readonly string[]) => [...counting(id), keys.trace(id), ...deadDeliveryIds.map((deliveryId) => keys.deliveryState(deliveryId))],
  };
}

export type LifecycleKeys = ReturnType<typeof lifecycleKeys>;
