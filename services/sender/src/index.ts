export { createSenderService } from './sender-service.js';
