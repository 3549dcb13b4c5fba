export { createRouterService } from './router-service.js';
