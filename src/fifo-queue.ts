export { FIFOQueue } from './queues/fifo-queue.js';
