export { createIngestService, type IngestService } from './ingest-service.js';
