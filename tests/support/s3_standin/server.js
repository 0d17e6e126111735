#!/usr/bin/env node
/*
 * S3 stand-in for the storage tests: the subset of S3 that avatarbot uses, with objects in
 * memory, and an independent check of the AWS Signature V4 of EVERY request.
 *
 * Why not s3rver or MinIO: s3rver does not check V4 signatures (a signing bug would pass), and
 * MinIO is a large binary the test machines cannot download. Here each request's signature is
 * recomputed with the AWS SDK's own signer (@smithy/signature-v4, pinned in package-lock.json),
 * never with our C code, and a request whose signature differs is refused the way S3 refuses
 * it: 403 <Code>SignatureDoesNotMatch</Code>. `--self-test` checks this verifier against AWS's
 * published SigV4 examples before any test relies on it.
 *
 * S3 API: PUT/GET/HEAD/DELETE object, PUT bucket, ListObjectsV2 (prefix, max-keys,
 * continuation-token, start-after), multipart uploads (CreateMultipartUpload, UploadPart,
 * CompleteMultipartUpload, AbortMultipartUpload) checked as S3 checks them (parts listed in
 * ascending order with the ETags UploadPart returned, every part but the last at least 5 MiB,
 * NoSuchUpload after completion or abort), path-style (http://host/BUCKET/KEY) and
 * virtual-hosted (http://BUCKET.localhost:PORT/KEY, see --domain) addressing, S3-like XML error
 * bodies.
 * Header-signed requests must carry x-amz-content-sha256 (as on S3), whose value must match the
 * body; presigned URLs are checked for signature, then expiry (403 "Request has expired").
 *
 * Control API (unsigned, under /_control/): GET health, GET objects, GET requests, GET uploads
 * (multipart uploads neither completed nor aborted), POST reset,
 * POST fault {"kind": "500"|"503"|"stall"|"down"|"error200", "count": N, "seconds": S,
 * "match": "PUT /bucket/key?partNumber=2", "for_seconds": W} (the next N requests, or the next N
 * whose "METHOD PATH?QUERY" contains match, fail; with for_seconds every matching request for W
 * seconds fails instead; error200 answers 200 with an <Error> body, as
 * CompleteMultipartUpload may), POST config {"max_keys": N} (longest listing page, to exercise
 * pagination).
 *
 *   node server.js --port 0 --port-file F --access-key K --secret-key S --region R
 *                  [--bucket NAME]... [--domain localhost] [--deps DIR] [--self-test]
 *
 * --deps is the directory install.sh filled (default: $S3_STANDIN_DEPS). The secret key is
 * never printed. One log line per request goes to stderr.
 */
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const { createRequire } = require('module');

const MAX_SKEW_MS = 15 * 60 * 1000; // S3's RequestTimeTooSkewed window
const MAX_BODY = 256 * 1024 * 1024;
const PRESIGN_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires',
    'X-Amz-SignedHeaders', 'X-Amz-Signature'];
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MIN_PART = 5 * 1024 * 1024; // S3's smallest part but the last (EntityTooSmall)
const MAX_PART_NUMBER = 10000;
const FAULT_KINDS = ['500', '503', 'stall', 'down', 'error200'];

function parseArgs(argv) {
    const o = { port: 0, buckets: [], domain: 'localhost', deps: process.env.S3_STANDIN_DEPS,
        region: 'us-east-1', selfTest: false };
    for (let i = 2; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === '--port') o.port = Number(next());
        else if (a === '--port-file') o.portFile = next();
        else if (a === '--access-key') o.accessKey = next();
        else if (a === '--secret-key') o.secretKey = next();
        else if (a === '--region') o.region = next();
        else if (a === '--bucket') o.buckets.push(next());
        else if (a === '--domain') o.domain = next();
        else if (a === '--deps') o.deps = next();
        else if (a === '--self-test') o.selfTest = true;
        else throw new Error(`unknown argument ${a}`);
    }
    if (!o.deps) throw new Error('--deps DIR (or S3_STANDIN_DEPS) is required: run install.sh');
    if (!o.selfTest && (!o.accessKey || !o.secretKey)) throw new Error('--access-key and --secret-key are required');
    if (o.buckets.length === 0) o.buckets.push('avatarbot-test');
    return o;
}

function loadSdk(depsDir) {
    const req = createRequire(path.join(path.resolve(depsDir), 'package.json'));
    return {
        SignatureV4: req('@smithy/signature-v4').SignatureV4,
        Hash: req('@smithy/hash-node').Hash,
        escapeUri: req('@smithy/core/protocols').escapeUri,
    };
}

class S3Error extends Error {
    constructor(status, code, message, extra = {}) {
        super(message);
        this.status = status;
        this.code = code;
        this.extra = extra;
    }
}

const xmlEscape = (s) => String(s).replace(/[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);

function errorXml(err, resource, requestId) {
    let extra = '';
    for (const [k, v] of Object.entries(err.extra)) extra += `<${k}>${xmlEscape(v)}</${k}>`;
    return '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' +
        `<Code>${xmlEscape(err.code)}</Code><Message>${xmlEscape(err.message)}</Message>${extra}` +
        `<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId></Error>`;
}

/* "20130524T000000Z" -> Date, or null. */
function parseAmzDate(s) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s || '');
    if (!m) return null;
    const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
    return isNaN(d.getTime()) ? null : d;
}

function decodeComponent(s) {
    try {
        return decodeURIComponent(s);
    } catch {
        throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
}

/* The query as S3 reads it: name -> value (or array of values), percent-decoded. */
function parseQuery(raw) {
    const q = {};
    if (!raw) return q;
    for (const part of raw.split('&')) {
        if (part === '') continue;
        const eq = part.indexOf('=');
        const k = decodeComponent(eq < 0 ? part : part.slice(0, eq));
        const v = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
        if (Object.prototype.hasOwnProperty.call(q, k)) q[k] = [].concat(q[k], v);
        else q[k] = v;
    }
    return q;
}

/*
 * Recomputes signatures with the AWS SDK's signer. verify() is pure (no I/O, the clock is
 * passed in) so that --self-test can run it on AWS's published examples.
 */
class Verifier {
    constructor(sdk, { accessKey, secretKey, region }) {
        this.sdk = sdk;
        this.accessKey = accessKey;
        this.region = region;
        // uriEscapePath false: S3 signs the path once-encoded, as sent, without normalising it
        this.signer = new sdk.SignatureV4({
            credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
            region, service: 's3', sha256: sdk.Hash.bind(null, 'sha256'),
            uriEscapePath: false, applyChecksum: false,
        });
    }

    /* S3 derives the canonical URI from the decoded path, each segment encoded strictly. */
    canonicalPath(rawPath) {
        return rawPath.split('/').map((seg) => this.sdk.escapeUri(decodeComponent(seg))).join('/');
    }

    checkCredential(credential) {
        const parts = (credential || '').split('/');
        if (parts.length !== 5 || parts[3] !== 's3' || parts[4] !== 'aws4_request')
            throw new S3Error(400, 'AuthorizationHeaderMalformed',
                'The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".');
        if (parts[0] !== this.accessKey)
            throw new S3Error(403, 'InvalidAccessKeyId',
                'The AWS Access Key Id you provided does not exist in our records.', { AWSAccessKeyId: parts[0] });
        if (parts[2] !== this.region)
            throw new S3Error(400, 'AuthorizationHeaderMalformed',
                `The authorization header is malformed; the region '${parts[2]}' is wrong; expecting '${this.region}'`,
                { Region: this.region });
        return { date: parts[1] };
    }

    sameSignature(a, b) {
        const x = Buffer.from(String(a)), y = Buffer.from(String(b));
        return x.length === y.length && crypto.timingSafeEqual(x, y);
    }

    /*
     * r: { method, rawPath, rawQuery, headers (lower-case names), bodySha256 (hex) }.
     * Returns 'header' or 'presigned' when the request is authentic; throws S3Error otherwise.
     */
    async verify(r, now) {
        const query = parseQuery(r.rawQuery);
        const auth = r.headers.authorization;
        if (query['X-Amz-Algorithm'] !== undefined) return this.verifyPresigned(r, query, now);
        if (auth !== undefined) return this.verifyHeader(r, query, auth, now);
        throw new S3Error(403, 'AccessDenied', 'Access Denied');
    }

    async verifyHeader(r, query, auth, now) {
        const m = /^AWS4-HMAC-SHA256 (.+)$/.exec(auth);
        if (!m) throw new S3Error(400, 'InvalidArgument', 'Unsupported Authorization Type');
        const fields = {};
        for (const part of m[1].split(',')) {
            const eq = part.indexOf('=');
            if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
        }
        if (!fields.Credential || !fields.SignedHeaders || !fields.Signature)
            throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
        const { date } = this.checkCredential(fields.Credential);
        const amzDate = r.headers['x-amz-date'];
        const when = parseAmzDate(amzDate);
        if (!when)
            throw new S3Error(403, 'AccessDenied', 'AWS authentication requires a valid Date or x-amz-date header');
        if (amzDate.slice(0, 8) !== date)
            throw new S3Error(400, 'AuthorizationHeaderMalformed',
                'The authorization header is malformed; Invalid credential date. Date is not the same as X-Amz-Date.');
        if (Math.abs(now.getTime() - when.getTime()) > MAX_SKEW_MS)
            throw new S3Error(403, 'RequestTimeTooSkewed',
                'The difference between the request time and the current time is too large.',
                { RequestTime: amzDate, ServerTime: now.toISOString() });
        const sha = r.headers['x-amz-content-sha256'];
        if (sha === undefined)
            throw new S3Error(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
        if (!/^[0-9a-f]{64}$/.test(sha) && sha !== 'UNSIGNED-PAYLOAD')
            throw new S3Error(400, 'InvalidArgument',
                'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.');
        const signed = fields.SignedHeaders.split(';');
        if (!signed.includes('host'))
            throw new S3Error(403, 'AccessDenied', 'Host header must be signed');
        const unsigned = Object.keys(r.headers).filter((h) => h.startsWith('x-amz-') && !signed.includes(h));
        if (unsigned.length)
            throw new S3Error(403, 'AccessDenied', 'There were headers present in the request which were not signed',
                { HeadersNotSigned: unsigned.join(', ') });

        const headers = {};
        for (const h of signed) if (r.headers[h] !== undefined) headers[h] = r.headers[h];
        const out = await this.signer.sign({
            method: r.method, protocol: 'http:', hostname: 'unused', path: this.canonicalPath(r.rawPath),
            query, headers,
        }, { signingDate: when, signableHeaders: new Set(signed) });
        const ours = /SignedHeaders=([^,]*), Signature=([0-9a-f]+)/.exec(out.headers.authorization);
        // a header listed as signed but not sent changes the SignedHeaders we compute
        if (ours[1] !== fields.SignedHeaders || !this.sameSignature(ours[2], fields.Signature))
            throw new S3Error(403, 'SignatureDoesNotMatch',
                'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
                { AWSAccessKeyId: this.accessKey });
        if (sha !== 'UNSIGNED-PAYLOAD' && r.bodySha256 !== undefined && sha !== r.bodySha256)
            throw new S3Error(400, 'XAmzContentSHA256Mismatch',
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
                { ClientComputedContentSHA256: sha, S3ComputedContentSHA256: r.bodySha256 });
        return 'header';
    }

    async verifyPresigned(r, query, now) {
        for (const p of PRESIGN_PARAMS) {
            if (typeof query[p] !== 'string')
                throw new S3Error(400, 'AuthorizationQueryParametersError',
                    'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.');
        }
        if (query['X-Amz-Algorithm'] !== 'AWS4-HMAC-SHA256')
            throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"');
        const { date } = this.checkCredential(query['X-Amz-Credential']);
        const when = parseAmzDate(query['X-Amz-Date']);
        if (!when || query['X-Amz-Date'].slice(0, 8) !== date)
            throw new S3Error(400, 'AuthorizationQueryParametersError',
                "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\" and match the credential date");
        if (!/^\d+$/.test(query['X-Amz-Expires']))
            throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
        const expires = Number(query['X-Amz-Expires']);
        if (expires < 1 || expires > 604800)
            throw new S3Error(400, 'AuthorizationQueryParametersError',
                'X-Amz-Expires must be less than a week (in seconds) that is 604800');
        const signed = query['X-Amz-SignedHeaders'].split(';');
        if (!signed.includes('host'))
            throw new S3Error(403, 'AccessDenied', 'Host header must be signed');

        const rest = {};
        for (const [k, v] of Object.entries(query)) if (!PRESIGN_PARAMS.includes(k)) rest[k] = v;
        const headers = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }; // presigned: payload never signed
        for (const h of signed) if (r.headers[h] !== undefined) headers[h] = r.headers[h];
        const keep = new Set(['x-amz-content-sha256']);
        const out = await this.signer.presign({
            method: r.method, protocol: 'http:', hostname: 'unused', path: this.canonicalPath(r.rawPath),
            query: rest, headers,
        }, { signingDate: when, expiresIn: expires, signableHeaders: new Set(signed),
            unsignableHeaders: keep, unhoistableHeaders: keep });
        if (out.query['X-Amz-SignedHeaders'] !== query['X-Amz-SignedHeaders'] ||
            !this.sameSignature(out.query['X-Amz-Signature'], query['X-Amz-Signature']))
            throw new S3Error(403, 'SignatureDoesNotMatch',
                'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
                { AWSAccessKeyId: this.accessKey });
        if (now.getTime() > when.getTime() + expires * 1000)
            throw new S3Error(403, 'AccessDenied', 'Request has expired',
                { 'X-Amz-Expires': expires, Expires: new Date(when.getTime() + expires * 1000).toISOString(),
                    ServerTime: now.toISOString() });
        if (when.getTime() - now.getTime() > MAX_SKEW_MS)
            throw new S3Error(403, 'AccessDenied', 'Request is not valid yet');
        return 'presigned';
    }
}

/* AWS's published SigV4 examples (S3 API reference, "Authenticating Requests"), run on the
 * verifier: if the SDK-based check disagrees with AWS, no storage test result means anything. */
async function selfTest(sdk) {
    const v = new Verifier(sdk, { accessKey: 'AKIAIOSFODNN7EXAMPLE',
        secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', region: 'us-east-1' });
    const at = new Date(Date.UTC(2013, 4, 24, 0, 0, 30));
    const host = 'examplebucket.s3.amazonaws.com';
    const presignQuery = (sig, signed = 'host') => 'X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        `&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=${signed}` +
        `&X-Amz-Signature=${sig}`;
    const headerAuth = (sig) => 'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
        `SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=${sig}`;
    const getHeaders = (sig) => ({ host, range: 'bytes=0-9', 'x-amz-content-sha256': EMPTY_SHA256,
        'x-amz-date': '20130524T000000Z', authorization: headerAuth(sig) });
    const PRESIGN_SIG = 'aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404';
    const HEADER_SIG = 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41';
    const flip = (s) => (s[0] === 'a' ? 'b' : 'a') + s.slice(1);
    const cases = [
        ['presigned GET example is accepted', { method: 'GET', rawPath: '/test.txt', rawQuery: presignQuery(PRESIGN_SIG), headers: { host } }, at, 'presigned'],
        ['presigned GET with a changed signature is refused', { method: 'GET', rawPath: '/test.txt', rawQuery: presignQuery(flip(PRESIGN_SIG)), headers: { host } }, at, 'SignatureDoesNotMatch'],
        ['presigned GET for another key is refused', { method: 'GET', rawPath: '/test2.txt', rawQuery: presignQuery(PRESIGN_SIG), headers: { host } }, at, 'SignatureDoesNotMatch'],
        ['presigned GET claiming an unsent signed header is refused', { method: 'GET', rawPath: '/test.txt', rawQuery: presignQuery(PRESIGN_SIG, 'host%3Brange'), headers: { host } }, at, 'SignatureDoesNotMatch'],
        ['presigned GET after its expiry is refused', { method: 'GET', rawPath: '/test.txt', rawQuery: presignQuery(PRESIGN_SIG), headers: { host } }, new Date(Date.UTC(2013, 4, 25, 0, 0, 1)), 'AccessDenied'],
        ['header-signed GET example is accepted', { method: 'GET', rawPath: '/test.txt', rawQuery: '', headers: getHeaders(HEADER_SIG), bodySha256: EMPTY_SHA256 }, at, 'header'],
        ['header-signed GET with a changed signature is refused', { method: 'GET', rawPath: '/test.txt', rawQuery: '', headers: getHeaders(flip(HEADER_SIG)), bodySha256: EMPTY_SHA256 }, at, 'SignatureDoesNotMatch'],
        ['header-signed GET with a changed signed header is refused', { method: 'GET', rawPath: '/test.txt', rawQuery: '', headers: { ...getHeaders(HEADER_SIG), range: 'bytes=0-10' }, bodySha256: EMPTY_SHA256 }, at, 'SignatureDoesNotMatch'],
        ['header-signed GET without a signed header it lists is refused', { method: 'GET', rawPath: '/test.txt', rawQuery: '', headers: (({ range, ...rest }) => rest)(getHeaders(HEADER_SIG)), bodySha256: EMPTY_SHA256 }, at, 'SignatureDoesNotMatch'],
    ];
    let passed = 0, failed = 0;
    for (const [name, req, now, want] of cases) {
        let got;
        try {
            got = await v.verify(req, now);
        } catch (e) {
            got = e instanceof S3Error ? e.code : `exception: ${e.message}`;
        }
        if (got === want) passed++;
        else {
            failed++;
            console.log(`FAIL ${name}: got ${got}, want ${want}`);
        }
    }
    console.log(`${passed} passed, ${failed} failed`);
    return failed === 0;
}

class Standin {
    constructor(opts, sdk) {
        this.opts = opts;
        this.verifier = new Verifier(sdk, opts);
        this.buckets = new Map(opts.buckets.map((b) => [b, new Map()]));
        this.reset();
        this.stalled = new Set();
        this.nextId = 1;
    }

    reset() {
        for (const objects of (this.buckets || new Map()).values()) objects.clear();
        this.uploads = new Map(); // UploadId -> { bucket, key, contentType, parts: Map(n -> part) }
        this.faults = [];
        this.requests = [];
        this.maxKeys = 1000;
        for (const res of this.stalled || []) res.destroy();
        if (this.stalled) this.stalled.clear();
    }

    log(line) {
        process.stderr.write(`s3-standin: ${line}\n`);
    }

    /* Bucket and key of a request, path-style or virtual-hosted (BUCKET.<domain>). */
    route(host, rawPath) {
        const hostname = (host || '').replace(/:\d+$/, '');
        const suffix = `.${this.opts.domain}`;
        if (hostname.endsWith(suffix) && !net.isIP(hostname)) {
            const bucket = hostname.slice(0, -suffix.length);
            const key = rawPath.length > 1 ? decodeComponent(rawPath.slice(1)) : null;
            return { bucket, key };
        }
        const m = /^\/([^/]+)(?:\/(.*))?$/.exec(rawPath);
        if (!m) return { bucket: null, key: null };
        return { bucket: decodeComponent(m[1]), key: m[2] ? decodeComponent(m[2]) : null };
    }

    handle(req, res) {
        const id = (this.nextId++).toString(16).toUpperCase().padStart(16, '0');
        const url = req.url || '/';
        const q = url.indexOf('?');
        const rawPath = q < 0 ? url : url.slice(0, q);
        const rawQuery = q < 0 ? '' : url.slice(q + 1);
        if (rawPath.startsWith('/_control/')) return this.control(req, res, rawPath);

        const record = { method: req.method, path: rawPath, query: rawQuery, status: 0, code: null, auth: null };
        this.requests.push(record);
        const line = `${req.method} ${url}`;
        const now = Date.now();
        this.faults = this.faults.filter((f) => f.until === undefined || f.until > now);
        const at = this.faults.findIndex((f) => f.match === undefined || line.includes(f.match));
        const fault = at < 0 ? null : this.faults[at];
        if (fault) {
            if (fault.until === undefined && --fault.count <= 0) this.faults.splice(at, 1);
            record.code = `fault:${fault.kind}`;
            this.log(`${req.method} ${rawPath} -> injected fault ${fault.kind}`);
            if (fault.kind === 'down') return req.socket.destroy();
            if (fault.kind === 'stall') {
                this.stalled.add(res);
                res.on('close', () => this.stalled.delete(res));
                setTimeout(() => res.destroy(), (fault.seconds || 3600) * 1000).unref();
                return;
            }
            if (fault.kind === 'error200') {
                req.resume();
                const body = errorXml(new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.'), rawPath, id);
                record.status = 200;
                res.writeHead(200, { 'Content-Type': 'application/xml', 'x-amz-request-id': id,
                    'Content-Length': Buffer.byteLength(body) });
                return res.end(body);
            }
            const status = Number(fault.kind);
            const err = status === 503
                ? new S3Error(503, 'SlowDown', 'Please reduce your request rate.')
                : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
            req.resume();
            return this.sendError(res, err, rawPath, id, record);
        }

        const chunks = [];
        let size = 0;
        req.on('data', (c) => {
            size += c.length;
            if (size <= MAX_BODY) chunks.push(c);
        });
        req.on('end', () => {
            const body = Buffer.concat(chunks);
            this.serve(req, res, { id, rawPath, rawQuery, body, record, tooLarge: size > MAX_BODY })
                .catch((e) => {
                    if (e instanceof S3Error) return this.sendError(res, e, rawPath, id, record);
                    this.log(`internal error: ${e.stack}`);
                    this.sendError(res, new S3Error(500, 'InternalError', String(e.message)), rawPath, id, record);
                });
        });
    }

    async serve(req, res, { id, rawPath, rawQuery, body, record, tooLarge }) {
        const sha = crypto.createHash('sha256').update(body).digest('hex');
        record.auth = await this.verifier.verify({
            method: req.method, rawPath, rawQuery, headers: req.headers, bodySha256: sha,
        }, new Date());
        if (tooLarge) throw new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
        const { bucket, key } = this.route(req.headers.host, rawPath);
        if (!bucket) throw new S3Error(501, 'NotImplemented', 'ListBuckets is not implemented by the stand-in');
        const query = parseQuery(rawQuery);
        if (key === null && req.method === 'PUT') {
            if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
            return this.send(res, 200, {}, '', record, id);
        }
        const objects = this.buckets.get(bucket);
        if (!objects)
            throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
        if (key === null) {
            if (req.method !== 'GET') throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
            return this.list(res, bucket, objects, query, record, id);
        }
        if (query.uploads !== undefined || query.uploadId !== undefined)
            return this.multipart(req, res, { bucket, key, objects, query, body, record, id });
        switch (req.method) {
        case 'PUT': {
            const etag = `"${crypto.createHash('md5').update(body).digest('hex')}"`;
            objects.set(key, { body, etag, contentType: req.headers['content-type'] || 'binary/octet-stream',
                lastModified: new Date(), sha256: sha });
            return this.send(res, 200, { ETag: etag }, '', record, id);
        }
        case 'GET':
        case 'HEAD': {
            const o = objects.get(key);
            if (!o) {
                if (req.method === 'HEAD') return this.send(res, 404, {}, '', record, id);
                throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
            }
            return this.send(res, 200, { 'Content-Type': o.contentType, ETag: o.etag,
                'Last-Modified': o.lastModified.toUTCString() }, req.method === 'HEAD' ? null : o.body, record, id,
            o.body.length);
        }
        case 'DELETE':
            objects.delete(key);
            return this.send(res, 204, {}, '', record, id);
        default:
            throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
        }
    }

    /* The multipart upload API, with the checks S3 makes (see the top of this file). */
    multipart(req, res, { bucket, key, objects, query, body, record, id }) {
        const xmlHead = '<?xml version="1.0" encoding="UTF-8"?>\n';
        const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
        if (req.method === 'POST' && query.uploads !== undefined) {
            const uploadId = `2~${crypto.randomBytes(24).toString('base64url')}`;
            this.uploads.set(uploadId, { bucket, key, parts: new Map(),
                contentType: req.headers['content-type'] || 'binary/octet-stream' });
            const xml = `${xmlHead}<InitiateMultipartUploadResult ${ns}><Bucket>${xmlEscape(bucket)}</Bucket>` +
                `<Key>${xmlEscape(key)}</Key><UploadId>${xmlEscape(uploadId)}</UploadId></InitiateMultipartUploadResult>`;
            return this.send(res, 200, { 'Content-Type': 'application/xml' }, xml, record, id);
        }
        const upload = this.uploads.get(query.uploadId);
        if (!upload || upload.bucket !== bucket || upload.key !== key)
            throw new S3Error(404, 'NoSuchUpload',
                'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
                { UploadId: String(query.uploadId) });
        if (req.method === 'PUT') {
            const n = Number(query.partNumber);
            if (!/^\d+$/.test(String(query.partNumber)) || n < 1 || n > MAX_PART_NUMBER)
                throw new S3Error(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive',
                    { ArgumentName: 'partNumber', ArgumentValue: String(query.partNumber) });
            const md5 = crypto.createHash('md5').update(body).digest();
            const etag = `"${md5.toString('hex')}"`;
            upload.parts.set(n, { body, md5, etag });
            return this.send(res, 200, { ETag: etag }, '', record, id);
        }
        if (req.method === 'DELETE') {
            this.uploads.delete(query.uploadId);
            return this.send(res, 204, {}, '', record, id);
        }
        if (req.method !== 'POST')
            throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
        const text = body.toString('utf8');
        const malformed = new S3Error(400, 'MalformedXML',
            'The XML you provided was not well-formed or did not validate against our published schema');
        if (!/<CompleteMultipartUpload[\s>]/.test(text)) throw malformed;
        const unescape = (v) => v.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
        const listed = [];
        for (const m of text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
            const num = /<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(m[1]);
            const etag = /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1]);
            if (!num || !etag) throw malformed;
            listed.push({ n: Number(num[1]), etag: unescape(etag[1]).trim() });
        }
        if (listed.length === 0) throw malformed;
        const unquote = (e) => e.replace(/^"|"$/g, '');
        const parts = [];
        for (let i = 0; i < listed.length; i++) {
            if (i > 0 && listed[i].n <= listed[i - 1].n)
                throw new S3Error(400, 'InvalidPartOrder',
                    'The list of parts was not in ascending order. The parts list must be specified in order by part number.',
                    { UploadId: query.uploadId });
            const part = upload.parts.get(listed[i].n);
            if (!part || unquote(part.etag) !== unquote(listed[i].etag))
                throw new S3Error(400, 'InvalidPart',
                    'One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not have matched the part\'s entity tag.',
                    { UploadId: query.uploadId, PartNumber: listed[i].n, ETag: listed[i].etag });
            parts.push(part);
        }
        for (let i = 0; i + 1 < parts.length; i++) {
            if (parts[i].body.length < MIN_PART)
                throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.',
                    { ProposedSize: parts[i].body.length, MinSizeAllowed: MIN_PART, PartNumber: listed[i].n });
        }
        const whole = Buffer.concat(parts.map((p) => p.body));
        const etag = `"${crypto.createHash('md5').update(Buffer.concat(parts.map((p) => p.md5))).digest('hex')}-${parts.length}"`;
        objects.set(key, { body: whole, etag, contentType: upload.contentType, lastModified: new Date(),
            sha256: crypto.createHash('sha256').update(whole).digest('hex') });
        this.uploads.delete(query.uploadId);
        const xml = `${xmlHead}<CompleteMultipartUploadResult ${ns}><Location>http://${xmlEscape(req.headers.host)}/${xmlEscape(bucket)}/${xmlEscape(key)}</Location>` +
            `<Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`;
        return this.send(res, 200, { 'Content-Type': 'application/xml' }, xml, record, id);
    }

    list(res, bucket, objects, query, record, id) {
        if (query['list-type'] !== '2')
            throw new S3Error(501, 'NotImplemented', 'Only ListObjectsV2 (list-type=2) is implemented by the stand-in');
        const prefix = query.prefix || '';
        let maxKeys = query['max-keys'] !== undefined ? Number(query['max-keys']) : 1000;
        if (!Number.isInteger(maxKeys) || maxKeys < 0)
            throw new S3Error(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
        maxKeys = Math.min(maxKeys, this.maxKeys);
        let after = query['start-after'] || '';
        const token = query['continuation-token'];
        if (token !== undefined) {
            after = Buffer.from(token, 'base64url').toString('utf8');
            if (!token || Buffer.from(after, 'utf8').toString('base64url') !== token)
                throw new S3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect');
        }
        const keys = [...objects.keys()]
            .filter((k) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0)
            .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
        const page = keys.slice(0, maxKeys);
        const truncated = keys.length > page.length;
        let xml = '<?xml version="1.0" encoding="UTF-8"?>\n' +
            '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
            `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>`;
        if (token !== undefined) xml += `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>`;
        if (truncated)
            xml += `<NextContinuationToken>${Buffer.from(page[page.length - 1]).toString('base64url')}</NextContinuationToken>`;
        xml += `<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>`;
        for (const k of page) {
            const o = objects.get(k);
            xml += `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified>` +
                `<ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
        }
        xml += '</ListBucketResult>';
        return this.send(res, 200, { 'Content-Type': 'application/xml' }, xml, record, id);
    }

    send(res, status, headers, body, record, id, length) {
        record.status = status;
        this.log(`${record.method} ${record.path} -> ${status}${record.auth ? ` (${record.auth})` : ''}`);
        const h = { 'x-amz-request-id': id, Server: 'AmazonS3', ...headers };
        if (body !== null) h['Content-Length'] = Buffer.byteLength(body);
        else if (length !== undefined) h['Content-Length'] = length;
        res.writeHead(status, h);
        res.end(body === null ? undefined : body);
    }

    sendError(res, err, rawPath, id, record) {
        record.status = err.status;
        record.code = err.code;
        this.log(`${record.method} ${record.path} -> ${err.status} ${err.code}: ${err.message}`);
        if (res.headersSent) return res.destroy();
        const body = record.method === 'HEAD' ? '' : errorXml(err, rawPath, id);
        res.writeHead(err.status, { 'Content-Type': 'application/xml', 'x-amz-request-id': id,
            'Content-Length': Buffer.byteLength(body) });
        res.end(body);
    }

    control(req, res, rawPath) {
        const chunks = [];
        req.on('data', (c) => chunks.push(c));
        req.on('end', () => {
            const reply = (status, obj) => {
                const body = JSON.stringify(obj);
                res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
                res.end(body);
            };
            let input = {};
            try {
                if (chunks.length) input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
                return reply(400, { error: 'body must be JSON' });
            }
            const what = `${req.method} ${rawPath}`;
            if (what === 'GET /_control/health') return reply(200, { ok: true });
            if (what === 'POST /_control/reset') {
                this.reset();
                return reply(200, { ok: true });
            }
            if (what === 'GET /_control/objects') {
                const objects = [];
                for (const [bucket, m] of this.buckets)
                    for (const [key, o] of m)
                        objects.push({ bucket, key, size: o.body.length, content_type: o.contentType, sha256: o.sha256 });
                objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
                return reply(200, { objects });
            }
            if (what === 'GET /_control/requests') return reply(200, { requests: this.requests });
            if (what === 'GET /_control/uploads') {
                const uploads = [];
                for (const [uploadId, u] of this.uploads)
                    uploads.push({ bucket: u.bucket, key: u.key, upload_id: uploadId, parts: [...u.parts.keys()].sort((a, b) => a - b) });
                return reply(200, { uploads });
            }
            if (what === 'POST /_control/fault') {
                if (!FAULT_KINDS.includes(String(input.kind)))
                    return reply(400, { error: `kind must be one of ${FAULT_KINDS.join(', ')}` });
                if (input.match !== undefined && typeof input.match !== 'string')
                    return reply(400, { error: 'match must be a string' });
                const fault = { kind: String(input.kind), count: Number(input.count || 1), seconds: input.seconds,
                    match: input.match };
                // a window: every matching request fails until it ends, whatever the count
                if (input.for_seconds !== undefined) fault.until = Date.now() + Number(input.for_seconds) * 1000;
                this.faults.push(fault);
                return reply(200, { ok: true });
            }
            if (what === 'POST /_control/config') {
                if (input.max_keys !== undefined) this.maxKeys = Number(input.max_keys);
                return reply(200, { ok: true, max_keys: this.maxKeys });
            }
            return reply(404, { error: `no control endpoint ${what}` });
        });
    }
}

async function main() {
    const opts = parseArgs(process.argv);
    const sdk = loadSdk(opts.deps);
    if (opts.selfTest) process.exit((await selfTest(sdk)) ? 0 : 1);
    const standin = new Standin(opts, sdk);
    const server = http.createServer((req, res) => standin.handle(req, res));
    server.keepAliveTimeout = 30000;
    server.listen(opts.port, '127.0.0.1', () => {
        const port = server.address().port;
        if (opts.portFile) {
            const tmp = `${opts.portFile}.tmp`;
            fs.writeFileSync(tmp, `${port}\n`);
            fs.renameSync(tmp, opts.portFile);
        }
        standin.log(`listening on 127.0.0.1:${port}, region ${opts.region}, buckets ${opts.buckets.join(',')}`);
    });
    const stop = () => {
        standin.reset();
        server.close(() => process.exit(0));
        server.closeAllConnections();
        setTimeout(() => process.exit(0), 2000).unref();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

main().catch((e) => {
    process.stderr.write(`s3-standin: ${e.message}\n`);
    process.exit(2);
});
