export { buildConsoleApp, createConsoleService, type ConsoleService } from './console-service.js';
