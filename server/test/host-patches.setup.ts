import net from 'node:net';

/**
 * Undoes, after each test file, what a library did to Node's own modules while it was loaded.
 * Jest loads every module again for each test file, but Node's built-in modules are the worker's
 * own and shared by all of them. urllib (alipay-sdk's HTTP client) wraps `net.Socket.prototype.destroy`
 * when loaded; each file that loaded it left a wrapper of its own on the worker, and the wrapper kept
 * the file's whole module graph alive (a test file that only starts and closes the app: 29 MB more
 * each, for as long as the worker ran). In the server, where urllib is loaded once, it is no leak.
 */
const socketDestroy = net.Socket.prototype.destroy;

afterAll(() => {
  net.Socket.prototype.destroy = socketDestroy;
});
