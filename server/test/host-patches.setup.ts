import dc from 'node:diagnostics_channel';
import net from 'node:net';

/**
 * Undoes, after each test file, what a library did to Node's own modules while it was loaded.
 * Jest loads every module again for each test file, but Node's built-in modules are the worker's
 * own and shared by all of them. urllib (alipay-sdk's HTTP client) wraps `net.Socket.prototype.destroy`
 * when loaded, and subscribes to undici's diagnostics channels when its first client is made; each
 * file that did either left a function of its own on the worker, and that function kept the file's
 * whole module graph alive: the payments files kept 32 MB more each, for as long as the worker ran.
 * In the server, where urllib is loaded once, neither is a leak.
 */
const socketDestroy = net.Socket.prototype.destroy;
const subscribe = dc.subscribe;
const subscribed: Array<[string | symbol, dc.ChannelListener]> = [];
dc.subscribe = (name, listener) => {
  subscribed.push([name, listener]);
  subscribe(name, listener);
};

afterAll(() => {
  net.Socket.prototype.destroy = socketDestroy;
  dc.subscribe = subscribe;
  for (const [name, listener] of subscribed.splice(0)) dc.unsubscribe(name, listener);
});
