import { describe, expect, it } from 'vitest';
import { CorruptError, ProtocolDecodeError, TruncatedError } from '../../../src/protocol/errors.js';
import { Reader } from '../../../src/protocol/reader.js';
import {
  createBody,
  decodeConnectResponse,
  deleteBody,
  encodeConnectRequest,
  encodeRequest,
  pathWatchBody,
  readCreateResponse,
  readGetChildren2Response,
  readGetChildrenResponse,
  readGetDataResponse,
  readReplyHeader,
  readStatResponse,
  readWatcherEvent,
  setDataBody,
  setWatchesBody,
} from '../../../src/zookeeper/codec.js';
import { OpCode, Xid } from '../../../src/zookeeper/constants.js';
import { FrameSplitter } from '../../../src/zookeeper/framer.js';

/** Hex with spaces and newlines for readability, field by field as zookeeper.jute lists them. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'ascii').toString('hex');

// Stat: czxid 1, mzxid 2, ctime 3, mtime 4, version 5, cversion 6, aversion 7,
// ephemeralOwner 0x1122334455667788, dataLength 9, numChildren 10, pzxid 11: 68 bytes.
const STAT_HEX = `
  0000000000000001 0000000000000002 0000000000000003 0000000000000004
  00000005 00000006 00000007
  1122334455667788 00000009 0000000a 000000000000000b`;
const STAT = {
  czxid: 1n,
  mzxid: 2n,
  ctime: 3n,
  mtime: 4n,
  version: 5,
  cversion: 6,
  aversion: 7,
  ephemeralOwner: 0x1122334455667788n,
  dataLength: 9,
  numChildren: 10,
  pzxid: 11n,
};

describe('jute request encoding', () => {
  it('ConnectRequest with and without the 3.4 readOnly byte', () => {
    const base = {
      lastZxidSeen: 0x10n,
      timeoutMs: 6000,
      sessionId: 0x0102030405060708n,
      password: Buffer.alloc(16, 0xab),
    };
    // protocolVersion 0, lastZxidSeen 0x10, timeOut 6000, sessionId, passwd (int32 length + 16 bytes)
    const body = `00000000 0000000000000010 00001770 0102030405060708 00000010 ${'ab'.repeat(16)}`;
    expect(encodeConnectRequest({ ...base, readOnly: false })).toEqual(hex(`0000002d ${body} 00`));
    expect(encodeConnectRequest(base)).toEqual(hex(`0000002c ${body}`));
  });

  it('CreateRequest carries the open ACL world:anyone with perms 31 and the mode flags', () => {
    const frame = encodeRequest(1, OpCode.create, createBody('/a', 'hi', 'ephemeral-sequential'));
    expect(frame).toEqual(
      hex(`
        00000033
        00000001 00000001
        00000002 ${ascii('/a')}
        00000002 ${ascii('hi')}
        00000001 0000001f 00000005 ${ascii('world')} 00000006 ${ascii('anyone')}
        00000003`),
    );
    expect(createBody('/p', null, 'persistent').subarray(6, 10)).toEqual(hex('ffffffff'));
    expect(createBody('/p', null, 'ephemeral').readInt32BE(10 + 4 + 4 + 9 + 10)).toBe(1);
    expect(createBody('/p', null, 'persistent-sequential').readInt32BE(10 + 4 + 4 + 9 + 10)).toBe(2);
  });

  it('DeleteRequest, SetDataRequest and the path+watch requests', () => {
    expect(encodeRequest(2, OpCode.delete, deleteBody('/a', 3))).toEqual(
      hex(`00000012 00000002 00000002 00000002 ${ascii('/a')} 00000003`),
    );
    expect(encodeRequest(3, OpCode.setData, setDataBody('/a', null, -1))).toEqual(
      hex(`00000016 00000003 00000005 00000002 ${ascii('/a')} ffffffff ffffffff`),
    );
    for (const [op, code] of [
      [OpCode.exists, '00000003'],
      [OpCode.getData, '00000004'],
      [OpCode.getChildren, '00000008'],
      [OpCode.getChildren2, '0000000c'],
    ] as const) {
      expect(encodeRequest(7, op, pathWatchBody('/ü', true))).toEqual(
        hex(`00000010 00000007 ${code} 00000003 2fc3bc 01`),
      );
    }
    expect(pathWatchBody('/x', false).subarray(-1)).toEqual(hex('00'));
  });

  it('ping, closeSession and SetWatches use their reserved xids and opcodes', () => {
    expect(encodeRequest(Xid.ping, OpCode.ping, null)).toEqual(hex('00000008 fffffffe 0000000b'));
    expect(encodeRequest(9, OpCode.closeSession, null)).toEqual(hex('00000008 00000009 fffffff5'));
    expect(
      encodeRequest(Xid.setWatches, OpCode.setWatches, setWatchesBody(5n, ['/d'], [], ['/c', '/e'])),
    ).toEqual(
      hex(`
        0000002e fffffff8 00000065
        0000000000000005
        00000001 00000002 ${ascii('/d')}
        00000000
        00000002 00000002 ${ascii('/c')} 00000002 ${ascii('/e')}`),
    );
  });
});

describe('jute response decoding', () => {
  it('ConnectResponse from 3.3 (no readOnly), 3.4 (readOnly) and for an expired session', () => {
    const v33 = hex(`00000000 00001770 0000000000001234 00000010 ${'07'.repeat(16)}`);
    expect(decodeConnectResponse(v33)).toEqual({
      protocolVersion: 0,
      timeoutMs: 6000,
      sessionId: 0x1234n,
      password: Buffer.alloc(16, 7),
      readOnly: undefined,
    });
    expect(decodeConnectResponse(Buffer.concat([v33, hex('00')])).readOnly).toBe(false);
    expect(decodeConnectResponse(Buffer.concat([v33, hex('01')])).readOnly).toBe(true);
    const expired = decodeConnectResponse(
      hex(`00000000 00000000 0000000000000000 00000010 ${'00'.repeat(16)} 00`),
    );
    expect(expired.timeoutMs).toBe(0);
    expect(() => decodeConnectResponse(Buffer.concat([v33, hex('0000')]))).toThrow(CorruptError);
    expect(() => decodeConnectResponse(v33.subarray(0, 20))).toThrow(TruncatedError);
    expect(() => decodeConnectResponse(hex('00000000 00001770 0000000000001234 7fffffff'))).toThrow(
      TruncatedError,
    );
  });

  it('ReplyHeader then each response record', () => {
    const r = new Reader(hex('00000007 0000000000000abc ffffff9b'));
    expect(readReplyHeader(r)).toEqual({ xid: 7, zxid: 0xabcn, err: -101 });

    expect(readStatResponse(new Reader(hex(STAT_HEX)), 'ExistsResponse')).toEqual(STAT);
    expect(readGetDataResponse(new Reader(hex(`00000003 616263 ${STAT_HEX}`)))).toEqual({
      data: Buffer.from('abc'),
      stat: STAT,
    });
    expect(readGetDataResponse(new Reader(hex(`ffffffff ${STAT_HEX}`))).data).toEqual(Buffer.alloc(0));
    expect(readCreateResponse(new Reader(hex(`00000009 ${ascii('/s-000001')}`)))).toBe('/s-000001');
    const kids = `00000002 00000001 ${ascii('a')} 00000002 ${ascii('bc')}`;
    expect(readGetChildrenResponse(new Reader(hex(kids)))).toEqual(['a', 'bc']);
    expect(readGetChildren2Response(new Reader(hex(`${kids} ${STAT_HEX}`)))).toEqual({
      children: ['a', 'bc'],
      stat: STAT,
    });
    expect(readWatcherEvent(new Reader(hex(`00000004 00000003 00000002 ${ascii('/x')}`)))).toEqual({
      type: 4,
      state: 3,
      path: '/x',
    });
  });

  it('every truncation of every response is a typed decode error, never a RangeError', () => {
    const cases: Array<[string, (r: Reader) => unknown]> = [
      [STAT_HEX, (r) => readStatResponse(r, 'ExistsResponse')],
      [`00000003 616263 ${STAT_HEX}`, readGetDataResponse],
      [`00000002 ${ascii('/s')}`, readCreateResponse],
      [`00000002 00000001 ${ascii('a')} 00000002 ${ascii('bc')} ${STAT_HEX}`, readGetChildren2Response],
      [`00000004 00000003 00000002 ${ascii('/x')}`, readWatcherEvent],
    ];
    for (const [h, decode] of cases) {
      const full = hex(h);
      for (let cut = 0; cut < full.length; cut++) {
        expect(() => decode(new Reader(full.subarray(0, cut)))).toThrow(ProtocolDecodeError);
      }
      expect(() => decode(new Reader(Buffer.concat([full, hex('00')])))).toThrow(CorruptError);
    }
  });

  it('hostile counts and lengths are refused before anything is allocated', () => {
    expect(() => readGetChildrenResponse(new Reader(hex('7fffffff 00000001 61')))).toThrow(TruncatedError);
    expect(() => readGetChildrenResponse(new Reader(hex('80000000')))).toThrow(CorruptError);
    expect(() => readGetDataResponse(new Reader(hex(`fffffffe ${STAT_HEX}`)))).toThrow(CorruptError);
    expect(() => readGetDataResponse(new Reader(hex(`7ffffff0 ${STAT_HEX}`)))).toThrow(TruncatedError);
    expect(() => readCreateResponse(new Reader(hex('ffffffff')))).toThrow(CorruptError);
  });
});

describe('FrameSplitter', () => {
  it('reassembles frames split anywhere and passes several in one chunk', () => {
    const frames = Buffer.concat([hex('00000002 aabb'), hex('00000000'), hex('00000003 010203')]);
    for (let step = 1; step <= frames.length; step++) {
      const s = new FrameSplitter(16);
      const out: Buffer[] = [];
      for (let i = 0; i < frames.length; i += step) out.push(...s.push(frames.subarray(i, i + step)));
      expect(out).toEqual([hex('aabb'), Buffer.alloc(0), hex('010203')]);
      expect(s.bufferedBytes).toBe(0);
    }
  });

  it('refuses a length over the maximum or below zero from the 4 length bytes alone', () => {
    expect(() => new FrameSplitter(16).push(hex('00000011'))).toThrow(
      expect.objectContaining({ reason: 'too-large' }),
    );
    expect(() => new FrameSplitter().push(hex('7fffffff'))).toThrow(CorruptError);
    expect(() => new FrameSplitter().push(hex('ffffffff'))).toThrow(
      expect.objectContaining({ reason: 'bad-length' }),
    );
  });
});
