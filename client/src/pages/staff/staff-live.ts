import Taro from '@tarojs/taro';
import { STAFF_LIVE_EVENTS, staffLiveTicketEventSchema, type StaffLiveTicketEvent } from '@openhall/shared';
import { useEffect, useRef, useSyncExternalStore } from 'react';
import { getLiveToken, staffLiveUrl, staffTokens } from '../../api/staff';

// The console's live updates (issue 24): one Server-Sent Events connection per browser tab, shared
// by every console page of the tab (Taro keeps earlier pages mounted), opened while any of them is
// shown and closed when none is. H5 only: the console does not exist in the mini-program.

/** `live`: connected; `connecting`: opening or reopening after a drop; `off`: no EventSource here. */
export type StaffLiveStatus = 'off' | 'connecting' | 'live';

export interface StaffLiveSnapshot {
  status: StaffLiveStatus;
  /** Tickets filed since the queue was loaded (the badge), by id so a repeated event counts once. */
  newTicketIds: ReadonlySet<number>;
  /** The optional sound for new tickets; off until the agent turns it on (remembered in localStorage). */
  sound: boolean;
}

export interface StaffLiveHandlers {
  /** A committed change to a ticket (queue facts only). */
  onTicket?: (e: StaffLiveTicketEvent) => void;
  /** The stream could not replay everything missed while disconnected: reload the list. */
  onResync?: () => void;
}

const SOUND_KEY = 'openhall.staffLiveSound';
const BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

let snapshot: StaffLiveSnapshot = { status: 'off', newTicketIds: new Set(), sound: readSound() };
const watchers = new Set<() => void>();
const handlers = new Set<StaffLiveHandlers>();
let source: EventSource | null = null;
let retryTimer: ReturnType<typeof setTimeout> | null = null;
let failures = 0;
let lastEventId = '';
/** Bumped on every (re)connect and on close: a token fetched for an older attempt is not used. */
let attempt = 0;

function readSound(): boolean {
  try {
    return Taro.getStorageSync(SOUND_KEY) === 'on';
  } catch {
    return false;
  }
}

function update(patch: Partial<StaffLiveSnapshot>): void {
  snapshot = { ...snapshot, ...patch };
  watchers.forEach((w) => w());
}

function liveSupported(): boolean {
  return typeof EventSource !== 'undefined';
}

function dispatchTicket(e: StaffLiveTicketEvent): void {
  if (e.created && !snapshot.newTicketIds.has(e.ticketId)) {
    update({ newTicketIds: new Set(snapshot.newTicketIds).add(e.ticketId) });
    if (snapshot.sound) beep();
  }
  handlers.forEach((h) => h.onTicket?.(e));
}

async function connect(): Promise<void> {
  const mine = ++attempt;
  update({ status: 'connecting' });
  // Without a console session there is nothing to ask for; the page is on its way to the sign-in.
  if (!staffTokens.get()) {
    scheduleReconnect();
    return;
  }
  let token: string;
  try {
    token = (await getLiveToken()).token;
  } catch {
    // Signed out, or the server is away: the page's own requests say which; try again later.
    if (mine === attempt) scheduleReconnect();
    return;
  }
  if (mine !== attempt || handlers.size === 0) return;
  const es = new EventSource(staffLiveUrl(token, lastEventId || undefined));
  source = es;
  es.addEventListener('open', () => {
    failures = 0;
    update({ status: 'live' });
  });
  es.addEventListener(STAFF_LIVE_EVENTS.ticket, (m) => {
    const msg = m as MessageEvent<string>;
    if (msg.lastEventId) lastEventId = msg.lastEventId;
    let parsed;
    try {
      parsed = staffLiveTicketEventSchema.safeParse(JSON.parse(msg.data));
    } catch {
      return;
    }
    if (parsed.success) dispatchTicket(parsed.data);
  });
  es.addEventListener(STAFF_LIVE_EVENTS.resync, () => handlers.forEach((h) => h.onResync?.()));
  es.addEventListener('error', () => {
    // The browser would retry with the same URL, whose token expires within a minute: reconnect
    // ourselves with a fresh token, from the last event seen (the server replays what was missed).
    if (source !== es) return;
    es.close();
    source = null;
    scheduleReconnect();
  });
}

function scheduleReconnect(): void {
  update({ status: 'connecting' });
  if (retryTimer) clearTimeout(retryTimer);
  const delay = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
  failures += 1;
  retryTimer = setTimeout(() => {
    retryTimer = null;
    if (handlers.size > 0) void connect();
  }, delay);
}

function disconnect(): void {
  attempt += 1;
  if (retryTimer) clearTimeout(retryTimer);
  retryTimer = null;
  source?.close();
  source = null;
  update({ status: liveSupported() ? 'connecting' : 'off' });
}

/** Listens to the live stream while `handlers` is registered; connects with the first, disconnects after the last. */
function register(h: StaffLiveHandlers): () => void {
  handlers.add(h);
  if (handlers.size === 1 && liveSupported() && !source && !retryTimer) void connect();
  return () => {
    handlers.delete(h);
    if (handlers.size === 0) disconnect();
  };
}

/** The queue was loaded (or the agent looked at what arrived): the badge counts from zero again. */
export function resetNewTickets(): void {
  if (snapshot.newTicketIds.size > 0) update({ newTicketIds: new Set() });
}

/** Turns the new-ticket sound on or off, remembered in this browser; turning it on plays it once. */
export function setLiveSound(on: boolean): void {
  try {
    Taro.setStorageSync(SOUND_KEY, on ? 'on' : 'off');
  } catch {
    // private mode: the choice lasts for this page only
  }
  update({ sound: on });
  // Played from the click itself: browsers let a page start audio only after a user gesture.
  if (on) beep();
}

let audio: AudioContext | null = null;
let lastBeepAt = 0;

/** A short two-tone chime made with WebAudio (no sound file to ship); at most one every 2 s. */
export function beep(): void {
  const now = Date.now();
  if (now - lastBeepAt < 2_000) return;
  const Ctor = typeof window === 'undefined' ? undefined : (window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext);
  if (!Ctor) return;
  lastBeepAt = now;
  try {
    audio ??= new Ctor();
    if (audio.state === 'suspended') void audio.resume();
    const t = audio.currentTime;
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.25, t + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.4);
    gain.connect(audio.destination);
    [880, 1320].forEach((hz, i) => {
      const osc = audio!.createOscillator();
      osc.type = 'sine';
      osc.frequency.setValueAtTime(hz, t + i * 0.15);
      osc.connect(gain);
      osc.start(t + i * 0.15);
      osc.stop(t + 0.4);
    });
  } catch {
    // no audio device: the badge still counts
  }
}

function subscribeSnapshot(w: () => void): () => void {
  watchers.add(w);
  return () => void watchers.delete(w);
}

/**
 * The live stream for a console page: its state (connection, new-ticket badge, sound) and, with
 * `handlers`, the page's reaction to each committed ticket change. The handlers may change on
 * every render; the latest ones are called.
 */
export function useStaffLive(pageHandlers: StaffLiveHandlers = {}): StaffLiveSnapshot {
  const latest = useRef(pageHandlers);
  latest.current = pageHandlers;
  useEffect(
    () =>
      register({
        onTicket: (e) => latest.current.onTicket?.(e),
        onResync: () => latest.current.onResync?.(),
      }),
    [],
  );
  return useSyncExternalStore(subscribeSnapshot, () => snapshot);
}

/** For tests: forget the connection and state between cases. */
export function resetStaffLiveForTests(): void {
  disconnect();
  handlers.clear();
  failures = 0;
  lastEventId = '';
  snapshot = { status: 'off', newTicketIds: new Set(), sound: readSound() };
}
