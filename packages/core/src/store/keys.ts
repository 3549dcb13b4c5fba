/** Every Redis key mailsort writes outside BullMQ's own, built in one place. */
export function storeKeys(prefix: string) {
  return {
    message: (id: string) => `${prefix}:msg:${id}`,
    pending: (id: string) => `${prefix}:msg:${id}:pending`,
    trace: (id: string) => `${prefix}:trace:${id}`,
    delivered: (deliveryId: string) => `${prefix}:delivered:${deliveryId}`,
  };
}

export type StoreKeys = ReturnType<typeof storeKeys>;
