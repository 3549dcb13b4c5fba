export { createGocdSyncService } from './gocd-sync-service.js';
