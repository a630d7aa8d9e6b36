#!/usr/bin/env python3
"""Write the binary seed corpora of tests/fuzz (pack, daemon, client):
small valid inputs, a few of each kind, in the formats the targets'
header comments describe.  Run from anywhere; the text seeds (input,
config) are plain files kept by hand.  Regenerate after a protocol
change: python3 tests/fuzz/make-seeds.py"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC, VERSION = 0x4B505153, 1
HELLO, LIST, PACK, STATS, S_OPEN, S_PUSH, S_FINISH, S_CLOSE, ATTACH, PACK_SHM = range(1, 11)
EVENT, REPLY = 0x4001, 0x8000
VERIFY = 1


def u8(v): return struct.pack('<B', v)
def u16(v): return struct.pack('<H', v)
def u32(v): return struct.pack('<I', v)
def u64(v): return struct.pack('<Q', v)
def f64(v): return struct.pack('<d', v)
def s(v): return u16(len(v)) + v.encode()


def frame(typ, mid, payload=b'', flags=0):
    return struct.pack('<IHHIIQ', MAGIC, VERSION, typ, flags, len(payload), mid) + payload


def params(cap, threads=0, k=10, max_items=0, max_open=64, flags=VERIFY, seed=0):
    return u32(cap) + u32(threads) + u32(k) + u32(max_items) + u32(max_open) + u32(flags) + u64(seed)


def write(target, name, data):
    d = os.path.join(HERE, 'corpus', target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


LENGTHS = [3, 7, 2, 9, 4, 4, 1, 8, 6, 5]


def ffd(lengths, cap):
    """First Fit Decreasing as the ffd plugin packs (stable by length)."""
    order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
    bins = []
    for i in order:
        for b in bins:
            if b[0] + lengths[i] <= cap:
                b[0] += lengths[i]
                b[1].append(i)
                break
        else:
            bins.append([lengths[i], [i]])
    return bins


def pack_body(name, lengths, cap, arrays=True):
    bins = ffd(lengths, cap)
    total = sum(lengths)
    n, nb = len(lengths), len(bins)
    body = s(name) + u32(n) + u32(nb) + u64(nb) + u64(total) + u64(cap)
    body += u64(nb * cap - total) + u64(-(-total // cap))
    body += u64(max(len(b[1]) for b in bins)) + f64(total / (nb * cap))
    body += f64(n / nb) + u64(1000)
    if arrays:
        items = [i for b in bins for i in b[1]]
        offs = [0]
        for b in bins:
            offs.append(offs[-1] + len(b[1]))
        body += b''.join(map(u32, items + offs + [b[0] for b in bins]))
    return body


# --- pack: mode, capacity, threads, k, max_items, max_open, flags, seed,
# then u16 (or u32 with mode bit 1) lengths
def pack_seed(mode, cap, lengths, threads=1, k=10, max_items=0, max_open=64, flags=0):
    width = u32 if mode & 2 else u16
    return (u8(mode) + u32(cap) + u8(threads) + u8(k) + u8(max_items) + u8(max_open)
            + u8(flags) + u32(12345) + b''.join(width(v) for v in lengths))


write('pack', 'small', pack_seed(0, 9, LENGTHS))                 # capacity 1 + 9 % 4096 = 10
write('pack', 'max-items', pack_seed(0, 99, [5] * 30 + [50, 70], max_items=3))
write('pack', 'wide', pack_seed(7, 100000, [1, 99999, 50000, 50000, 3, 77777, 22222]))
write('pack', 'verify-flag', pack_seed(0, 2047, [i * 37 % 2048 + 1 for i in range(200)], threads=2, flags=1))
write('pack', 'bad-length', pack_seed(0, 15, [4, 0, 20, 3]))
write('pack', 'hk-k1', pack_seed(0, 63, [i % 64 + 1 for i in range(100)], k=1, max_open=1))

# --- daemon: a limits byte, then frames
lp = b''.join(map(u32, LENGTHS))
write('daemon', 'hello', u8(0) + frame(HELLO, 1, u16(1) + u16(1)))
write('daemon', 'list-stats', u8(0) + frame(LIST, 1) + frame(STATS, 2))
write('daemon', 'pack-obfd', u8(4) + frame(PACK, 7, s('obfd') + params(10) + u32(10) + lp))
write('daemon', 'pack-hk-maxitems',
      u8(0) + frame(PACK, 1, s('hk') + params(10, max_items=2, flags=0) + u32(10) + lp)
      + frame(PACK, 2, s('obfdp') + params(10, threads=2) + u32(10) + lp))
push = u32(1) + u32(10) + b''.join(u64(i) + u32(v) for i, v in enumerate(LENGTHS))
write('daemon', 'stream-finish',
      u8(1) + frame(S_OPEN, 1, s('ff') + params(10, max_open=2)) + frame(S_PUSH, 2, push)
      + frame(S_FINISH, 3, u32(1)))
write('daemon', 'stream-close',
      u8(2) + frame(S_OPEN, 1, s('bf') + params(10)) + frame(S_OPEN, 2, s('nf') + params(12))
      + frame(S_PUSH, 3, push) + frame(S_CLOSE, 4, u32(1)) + frame(S_FINISH, 5, u32(2)))
shm = u8(0) + frame(ATTACH, 1, u64(65536))
shm += frame(PACK_SHM, 2, s('ffd') + params(600) + u32(100) + u64(0) + u64(4096))
shm += frame(PACK_SHM, 3, s('bfd') + params(600) + u32(100) + u64(8) + u64(65536 - 1204))
write('daemon', 'shm', shm)
write('daemon', 'refused',
      u8(8) + frame(42, 1) + frame(LIST, 2, flags=1) + frame(PACK, 3, s('ffd') + params(10) + u32(11) + lp)
      + frame(PACK, 4, s('ffd') + params(10) + u32(100) + lp * 10) + frame(S_PUSH, 5, push)
      + frame(HELLO, 6, u16(2) + u16(3)))

# --- client: the call byte, then the daemon's replies
def ok(typ, mid, body=b''):
    return frame(typ | REPLY, mid, u32(0) + body)


hello = ok(HELLO, 1, u16(1) + u16(1) + u16(1) + u16(0) + s('0.1.0') + u32(64 << 20)
           + u32(1 << 24) + u32(16) + u32(16) + u32(10000) + u32(60000))
write('client', 'hello', u8(0) + hello)
algs = [('ffd', 'First Fit Decreasing', 'offline', 1), ('ff', 'First Fit', 'online', 7)]
listing = u32(len(algs)) + b''.join(s(a) + s(t) + s(d) + u32(f) + s('/x/' + a + '.so') for a, t, d, f in algs)
write('client', 'list', u8(1) + hello + ok(LIST, 2, listing))
stats = [('uptime_ns', 5), ('requests.total', 2), ('errors.total', 0)]
write('client', 'stats', u8(2) + hello + ok(STATS, 2, u32(len(stats)) + b''.join(s(n) + u64(v) for n, v in stats)))
write('client', 'pack-verify', u8(3 | 8) + hello + ok(PACK, 2, pack_body('ffd', LENGTHS, 10)))
write('client', 'pack', u8(3) + hello + ok(PACK, 2, pack_body('ffd', LENGTHS, 10)))
write('client', 'pack-reuse', u8(4 | 8) + hello + ok(PACK, 2, pack_body('ffd', LENGTHS, 10))
      + ok(PACK, 3, pack_body('ffd', LENGTHS, 10)))
write('client', 'pack-error', u8(3) + hello + frame(PACK | REPLY, 2, u32(3) + s('unknown algorithm')))
write('client', 'list-pack', u8(6) + hello + ok(LIST, 2, listing) + ok(PACK, 3, pack_body('ffd', LENGTHS, 10)))
# ff, capacity 10: what a stream of LENGTHS emits at finish (in bin order)
def ev(mid, pack, used, ids):
    return frame(EVENT, mid, u32(1) + u64(pack) + u64(used) + u32(len(ids)) + b''.join(map(u64, ids)))


ffbins, packs = [], []
for i, v in enumerate(LENGTHS):
    for b in ffbins:
        if b[0] + v <= 10:
            b[0] += v
            b[1].append(i)
            break
    else:
        ffbins.append([v, [i]])
stream = u8(5) + hello + ok(S_OPEN, 2, u32(1)) + ok(S_PUSH, 3, u64(0))
stream += b''.join(ev(4, p, b[0], b[1]) for p, b in enumerate(ffbins)) + ok(S_FINISH, 4, u64(len(ffbins)))
write('client', 'stream', stream)
write('client', 'error-frame', u8(1) + hello + frame(0xFFFF, 0, u32(13) + s('too many clients')))
