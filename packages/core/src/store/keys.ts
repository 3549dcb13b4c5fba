/** Every Redis key mailsort writes outside BullMQ's own, built in one place. */
export function storeKeys(prefix: string) {
  return {
    message: (id: string) => `${prefix}:msg:${id}`,
    pending: (id: string) => `${prefix}:msg:${id}:pending`,
    trace: (id: string) => `${prefix}:trace:${id}`,
    delivered: (deliveryId: string) => `${prefix}:delivered:${deliveryId}`,
    /** gocd-sync's snapshot of pipeline groups (JSON with its fetch time). */
    gocdGroups: () => `${prefix}:gocd:groups`,
    /** Last result per GoCD `pipeline/stage`, for the BREAKS/FIXED correction. */
    gocdStageResults: () => `${prefix}:gocd:stage-results`,
  };
}

export type StoreKeys = ReturnType<typeof storeKeys>;
