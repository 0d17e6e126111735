#!/usr/bin/env python3
"""Stand-in for the FAL AI queue API (queue.fal.run), for avatarbot's integration tests.

It speaks FAL's queue wire format for the three trainers avatarbot uses
(fal-ai/flux-lora-portrait-trainer, fal-ai/flux-pro-trainer, fal-ai/flux-lora-fast-training)
and the two image generators it calls with their results (fal-ai/flux-lora with a trained
LoRA, fal-ai/flux-pro/v1.1-ultra-finetuned with a flux-pro-trainer finetune_id), simulates
each request (IN_QUEUE with a queue position -> IN_PROGRESS with step logs -> COMPLETED;
trainings take config duration, generations generation_duration, 1 s by default) and calls
the submitter's webhook, signed with ED25519 like FAL, when a request ends. Every call is
recorded; tests read the record and steer the stand-in through a JSON control API under
/_control/ (see ControlApi below).

Wire format, as documented by FAL (checked against):
  https://fal.ai/docs/api-reference/inference-api          (auth, model ids, 202/200 status)
  https://docs.fal.ai/documentation/model-apis/inference/queue  (lifecycle, logs, metrics)
  https://docs.fal.ai/model-endpoints/queue                (endpoints; subpath not in URLs)
  https://fal.ai/docs/model-api-reference/image-generation-api/flux-pro-v1.1-ultra-finetuned.md
  https://fal.ai/models/fal-ai/flux-lora/stream/llms.txt and
  https://fal.ai/models/fal-ai/flux-pro/v1.1-ultra/llms.txt (the generators' input and
      output schemas; the same schemas as generated into the fal crate on docs.rs,
      src/endpoints/fal_ai/flux_lora/mod.rs and flux_pro/v1_1_ultra_finetuned/mod.rs:
      flux-lora: prompt*, image_size (a size name or {width, height}), num_inference_steps,
      seed, loras [{path*, scale}], guidance_scale, sync_mode, num_images,
      enable_safety_checker, output_format jpeg|png; ultra-finetuned: prompt*, finetune_id*,
      finetune_strength* (0..2), aspect_ratio, num_images, seed, safety_tolerance "1".."6",
      output_format, enable_safety_checker, raw, sync_mode; output {images [{url, width,
      height, content_type}], timings, seed, has_nsfw_concepts, prompt})
  https://docs.bfl.ai/api-reference/models/generate-an-image-with-flux-11-%5Bpro%5D-finetune-with-ultra-mode
      (the ultra finetuned model's own API: finetune_strength 0..2, ratios 21:9 to 9:21)
  https://fal.ai/docs/inference-api/queue/cancel           (cancel and its status values)
  https://docs.fal.ai/documentation/model-apis/inference/webhooks and
  https://docs.fal.ai/model-endpoints/webhooks             (fal_webhook, webhook bodies)
  https://docs.fal.ai/documentation/model-apis/request-errors   (detail + error_type)
  https://fal.ai/docs/documentation/serverless/reliability/retries.md
  fal's Python client (github.com/fal-ai/fal, projects/fal_client/.../client.py): status
  parsing (`logs` key always present), `logs` query flag, `fal_webhook` query parameter.
  Webhook signature: ED25519 over request_id, user_id, timestamp and hex SHA-256 of the
  raw body joined by "\\n", hex in X-Fal-Webhook-Signature, keys as a JWKS (OKP/Ed25519)
  at /.well-known/jwks.json (FAL serves it at rest.alpha.fal.ai) -- FAL's webhook
  documentation and the public verifiers built on it.

Endpoints (all but the JWKS and /files need `Authorization: Key <key>`):
  POST /{owner}/{name}[/{path}][?fal_webhook=URL]   submit; body = model input (JSON object)
      200 {status:"IN_QUEUE", request_id, gateway_request_id, response_url, status_url,
           cancel_url, queue_position}
      401 {"detail": ...}  missing/wrong key;  404 {"detail": ...} unknown app;
      422 {"detail": [{"loc","msg","type","input"}]} invalid input (config validation
          "submit"; with "runner" the request is accepted and fails asynchronously, which is
          what FAL's hosted models do: the 422 then shows in the result and the webhook).
          The documented inputs are checked (see APPS), others ignored as FAL does.
      The request URLs below name the app by owner/name only: a submit to
      fal-ai/flux-pro/v1.1-ultra-finetuned is polled at /fal-ai/flux-pro/requests/{id}/status,
      and the URLs with the subpath answer 404.
  GET  /{owner}/{name}/requests/{id}/status[?logs=1]
      202 {status:"IN_QUEUE", queue_position, response_url, status_url, cancel_url, logs:null}
      202 {status:"IN_PROGRESS", ..., logs:[{message, level, source, timestamp}] | null}
      200 {status:"COMPLETED", ..., logs, metrics:{inference_time}} (+ error, error_type
          when the request failed or was cancelled)
  GET  /{owner}/{name}/requests/{id}          200 output | 400 still running |
                                              <error status> {"detail": ...} when failed
      outputs: LoRA trainers {diffusers_lora_file, config_file}; flux-pro-trainer
      {finetune_id}; generators {images: [{url, width, height, content_type}], timings:
      {inference}, seed (the input's, or a random one), has_nsfw_concepts: [bool per image],
      prompt}. Sizes: flux-lora's image_size names (square_hd 1024x1024, square 512x512,
      portrait_4_3 768x1024, portrait_16_9 576x1024, landscape_4_3 1024x768 (default),
      landscape_16_9 1024x576) or {width, height}; the ultra model about 4 MP per aspect
      ratio (16:9 2752x1536 (default), 21:9 3136x1344, 4:3 2368x1792, 3:2 2496x1664, 1:1
      2048x2048, and the portrait ones turned).
  PUT  /{owner}/{name}/requests/{id}/cancel   202 {"status":"CANCELLATION_REQUESTED"} |
                                              400 {"status":"ALREADY_COMPLETED"} |
                                              404 {"status":"NOT_FOUND"}
  GET  /v1/models/requests/by-endpoint?endpoint_id=E[&start=ISO&expand=payloads&limit=N&cursor=C]
      200 {"items": [{request_id, endpoint_id, sent_at, started_at, ended_at, status_code,
           duration, json_input, json_output}], "next_cursor", "has_more"}  (FAL's platform
           API, api.fal.ai/v1; https://fal.ai/docs/platform-apis/v1/models/requests/by-endpoint)
  GET  /.well-known/jwks.json                 {"keys":[{kty:"OKP",crv:"Ed25519",x,kid}]}
  GET  /files/{id}/{name}                     the output files (LoRA, config, pictures: real
                                              JPEGs (or PNGs with output_format png) of the
                                              stated size, a vertical shade of flat 8x8
                                              blocks, black for an image flagged NSFW)

Webhook (POST to fal_webhook when a request ends), body compact-sorted like FAL's
(`{"error": null, "gateway_request_id": ..., "payload": ..., "request_id": ..., "status": "OK"}`,
ERROR bodies carry "error": "Invalid status code: 422" and the error detail as payload),
headers X-Fal-Webhook-Request-Id, -User-Id, -Timestamp, -Signature. A non-2xx answer or a
connection error is retried (config webhook_retries / webhook_retry_interval).

Stand-in choices that FAL's documentation does not pin down (keep receivers tolerant):
  the texts of 401 without a key, of unknown apps/requests and of 429; the result of a
  running request (400 "Request is still in progress"); a cancelled request, which ends
  COMPLETED with error "Request cancelled" (result 400, ERROR webhook unless
  webhook_on_cancel is off); cancel of a queued request answering 202 (FAL's cancel page
  also lists a plain "OK" status for a request removed from the queue); the wording of the
  log lines ("Training step 150/1000, loss: ..." and, for flux-pro-trainer,
  "Finetuning progress: step 120/300"; generators "Generating: step 14/28", the ultra model
  20 steps); the failure detail of a generation failed by the fail fault without a detail
  ([{"loc": ["body"], "msg": "Image generation failed", "type": "value_error"}]); the
  ultra model's sizes (2752x1536 for 16:9 as FAL's examples have it, the others at the same
  4 MP in multiples of 32; any other "W:H" from 21:9 to 9:21 is taken too, as BFL's API
  takes it, at about 4 MP); the order of the 422 items (by the order of
  APPS' fields); images flagged NSFW are served black, and none is flagged when the input
  turns enable_safety_checker off.

Usage: fal_standin.py --port 0 --port-file F [--key K] [--bind 127.0.0.1]
Standard library + python3-cryptography; logs one line per call to stderr and never
prints the key.
"""

import base64
import copy
import hashlib
import http.client
import io
import json
import math
import os
import random
import re
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zipfile
import zlib
from datetime import datetime, timezone

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

import standin_http

DEFAULT_KEY = "test-fal-key"
DEFAULT_USER_ID = "github|standin-user"
MAX_REQUEST_BODY = 16 * 1024 * 1024
MAX_DATASET_BYTES = 512 * 1024 * 1024

NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
             b"</body>\r\n</html>\r\n")

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".heic", ".tif", ".tiff")

# Sizes of flux-lora's image_size names (FAL's ImageSize presets), and the 4 MP sizes the
# ultra model makes for its aspect ratios (FLUX1.1 [pro] ultra: 2752x1536 for 16:9).
IMAGE_SIZES = {
    "square_hd": (1024, 1024), "square": (512, 512),
    "portrait_4_3": (768, 1024), "portrait_16_9": (576, 1024),
    "landscape_4_3": (1024, 768), "landscape_16_9": (1024, 576),
}
ULTRA_ASPECTS = {
    "21:9": (3136, 1344), "16:9": (2752, 1536), "4:3": (2368, 1792), "3:2": (2496, 1664),
    "1:1": (2048, 2048), "2:3": (1664, 2496), "3:4": (1792, 2368), "9:16": (1536, 2752),
    "9:21": (1344, 3136),
}
MAX_IMAGE_SIDE = 14142

# The apps the stand-in knows: kind (training | generation), the inputs FAL's published
# schema documents (name -> check, see check_field; others are ignored, as FAL does) and
# which are required, the input holding the dataset URL, the step count's input and
# default, the kind of output; generation apps also their default duration in seconds.
APPS = {
    "fal-ai/flux-lora-portrait-trainer": {
        "kind": "training", "required": ("images_data_url",),
        "fields": {"images_data_url": ("str",), "steps": ("int", 1, 10000)},
        "dataset_field": "images_data_url",
        "steps_field": "steps", "default_steps": 2500,
        "output": "lora",
    },
    "fal-ai/flux-lora-fast-training": {
        "kind": "training", "required": ("images_data_url",),
        "fields": {"images_data_url": ("str",), "steps": ("int", 1, 10000)},
        "dataset_field": "images_data_url",
        "steps_field": "steps", "default_steps": 1000,
        "output": "lora",
    },
    "fal-ai/flux-pro-trainer": {
        "kind": "training", "required": ("data_url", "finetune_comment"),
        "fields": {"data_url": ("str",), "finetune_comment": ("str",),
                   "iterations": ("int", 100, 10000)},
        "dataset_field": "data_url",
        "steps_field": "iterations", "default_steps": 300,
        "output": "finetune",
    },
    "fal-ai/flux-lora": {
        "kind": "generation", "required": ("prompt",),
        "fields": {"prompt": ("str",), "image_size": ("image_size",),
                   "num_inference_steps": ("int", 1, 50), "seed": ("int", None, None),
                   "loras": ("loras",), "guidance_scale": ("float", 0, 35),
                   "sync_mode": ("bool",), "num_images": ("int", 1, 4),
                   "enable_safety_checker": ("bool",),
                   "output_format": ("literal", ("jpeg", "png"))},
        "steps_field": "num_inference_steps", "default_steps": 28,
        "output": "images", "default_duration": 1.0,
    },
    "fal-ai/flux-pro/v1.1-ultra-finetuned": {
        "kind": "generation", "required": ("prompt", "finetune_id", "finetune_strength"),
        "fields": {"prompt": ("str",), "seed": ("int", None, None), "sync_mode": ("bool",),
                   "num_images": ("int", 1, 4), "enable_safety_checker": ("bool",),
                   "output_format": ("literal", ("jpeg", "png")),
                   "safety_tolerance": ("literal", ("1", "2", "3", "4", "5", "6")),
                   "aspect_ratio": ("aspect_ratio",), "raw": ("bool",),
                   "finetune_id": ("str",), "finetune_strength": ("float", 0, 2)},
        "steps_field": None, "default_steps": 20,
        "output": "images", "default_duration": 1.0,
    },
}

DEFAULT_CONFIG = {
    "duration": 3.0,            # seconds from submit to COMPLETED (trainings)
    "generation_duration": None,  # the same for generations (None: the app's, 1 s)
    "queue_seconds": None,      # time IN_QUEUE (None: a quarter of duration)
    "queue_position": 2,        # initial queue position, counts down to 0
    "log_lines": 10,            # step log lines over the IN_PROGRESS phase
    "auto_complete": True,      # False: requests stay IN_PROGRESS until /_control/complete
    "validation": "submit",     # "submit": 422 at submit; "runner": fail asynchronously
    "user_id": DEFAULT_USER_ID,  # X-Fal-Webhook-User-Id
    "signing_key": "k1",        # which key signs webhooks: k1 | k2
    "jwks_keys": ["k1"],        # which keys the JWKS publishes
    "webhook_retries": 3,       # attempts per webhook (FAL: about 10 over 2 hours)
    "webhook_retry_interval": 1.0,
    "webhook_backoff": 1.0,     # interval multiplier per retry
    "webhook_timeout": 10.0,
    "webhook_on_cancel": True,  # a cancelled request gets an ERROR webhook
    "cancel_in_progress": "stop",  # "stop" | "ignore" (the app keeps running to the end)
    "cancel_delay": 0.2,        # seconds an IN_PROGRESS request takes to stop
    "check_dataset": False,     # fetch the dataset URL, record size and ZIP entries
    "dataset_required": True,   # with check_dataset: a dataset that fails the check fails
    "min_images": 0,            # with check_dataset: fewer images fails the request
    "lora_file_size": 262144,   # bytes of the served pytorch_lora_weights.safetensors
    "public_base_url": None,    # base of response/status/cancel/file URLs
    "listing_lag": 0.0,         # seconds before a submitted request shows in the listing
    "nsfw": 0,                  # generations: images flagged NSFW, a count (the first N)
                                # or a list of flags by index (when the checker is on)
}

ENDPOINT_FAULTS = ("500", "502", "503", "504", "429", "stall", "drop", "http", "malformed")
WEBHOOK_FAULTS = ("webhook_drop", "webhook_duplicate", "webhook_delay", "webhook_reorder",
                  "webhook_tamper", "webhook_forge", "webhook_expired", "webhook_unsigned")
FAULT_KINDS = ENDPOINT_FAULTS + WEBHOOK_FAULTS + ("fail",)
ENDPOINTS = ("submit", "status", "result", "cancel", "jwks", "file", "list")


class BadControl(ValueError):
    pass


def now_iso():
    return datetime.now(timezone.utc).isoformat()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def webhook_bytes(obj):
    """A webhook body as FAL's Python gateway writes it: sorted keys, ", " and ": "."""
    return json.dumps(obj, sort_keys=True).encode("utf-8")


def signed_message(request_id, user_id, timestamp, body):
    return "\n".join([request_id, user_id, str(timestamp),
                      hashlib.sha256(body).hexdigest()]).encode("utf-8")


def validation_error(loc, msg, type_, input_value):
    return {"loc": loc, "msg": msg, "type": type_, "input": input_value}


def literal_msg(values):
    quoted = ["'%s'" % v for v in values]
    return "Input should be " + (" or ".join(quoted) if len(quoted) < 3 else
                                 ", ".join(quoted[:-1]) + " or " + quoted[-1])


def ratio_size(text):
    """The ultra model's size for an aspect ratio: a listed one, or a "W:H" between 21:9 and
    9:21 at about 4 MP (sides multiples of 32); None for anything else."""
    if text in ULTRA_ASPECTS:
        return ULTRA_ASPECTS[text]
    m = re.fullmatch(r"([1-9][0-9]{0,3}):([1-9][0-9]{0,3})", text)
    if not m:
        return None
    r = int(m.group(1)) / int(m.group(2))
    if not 9 / 21 - 1e-9 <= r <= 21 / 9 + 1e-9:
        return None
    return (int(round(math.sqrt(4194304 * r) / 32)) * 32,
            int(round(math.sqrt(4194304 / r) / 32)) * 32)


def check_number(loc, v, kind, lo, hi):
    if kind == "int" and (isinstance(v, bool) or not isinstance(v, int)):
        return [validation_error(loc, "Input should be a valid integer", "int_type", v)]
    if kind == "float" and (isinstance(v, bool) or not isinstance(v, (int, float))):
        return [validation_error(loc, "Input should be a valid number", "float_type", v)]
    if lo is not None and v < lo:
        return [validation_error(loc, "Input should be greater than or equal to %g" % lo,
                                 "greater_than_equal", v)]
    if hi is not None and v > hi:
        return [validation_error(loc, "Input should be less than or equal to %g" % hi,
                                 "less_than_equal", v)]
    return []


def check_field(loc, v, check, required=False):
    """Pydantic-style errors of one input against its check from APPS."""
    kind = check[0]
    if kind == "str":
        if not isinstance(v, str) or (required and v.strip() == ""):
            return [validation_error(loc, "Input should be a valid string", "string_type", v)]
        return []
    if kind in ("int", "float"):
        return check_number(loc, v, kind, check[1], check[2])
    if kind == "bool":
        if not isinstance(v, bool):
            return [validation_error(loc, "Input should be a valid boolean", "bool_type", v)]
        return []
    if kind == "literal":
        if v not in check[1] or not isinstance(v, str):
            return [validation_error(loc, literal_msg(check[1]), "literal_error", v)]
        return []
    if kind == "image_size":
        if isinstance(v, str):
            if v not in IMAGE_SIZES:
                return [validation_error(loc, literal_msg(IMAGE_SIZES), "literal_error", v)]
            return []
        if not isinstance(v, dict):
            return [validation_error(loc, "Input should be an image size name or an object "
                                     "with width and height", "model_type", v)]
        return [e for side in ("width", "height") if side in v
                for e in check_number(loc + [side], v[side], "int", 1, MAX_IMAGE_SIDE)]
    if kind == "aspect_ratio":
        if not isinstance(v, str):
            return [validation_error(loc, "Input should be a valid string", "string_type", v)]
        if ratio_size(v) is None:
            return [validation_error(loc, literal_msg(ULTRA_ASPECTS), "literal_error", v)]
        return []
    if kind == "loras":
        if not isinstance(v, list):
            return [validation_error(loc, "Input should be a valid list", "list_type", v)]
        errors = []
        for i, item in enumerate(v):
            if not isinstance(item, dict):
                errors.append(validation_error(loc + [i], "Input should be a valid dictionary",
                                               "dict_type", item))
                continue
            if "path" not in item:
                errors.append(validation_error(loc + [i, "path"], "Field required", "missing",
                                               item))
            else:
                errors += check_field(loc + [i, "path"], item["path"], ("str",), True)
            if "scale" in item:
                errors += check_number(loc + [i, "scale"], item["scale"], "float", 0, 4)
        return errors
    raise ValueError("unknown check %r" % (check,))


def validate_input(app, body):
    """Pydantic-style validation errors of a model input (empty list when valid): the
    documented inputs are checked, others ignored."""
    spec = APPS[app]
    if not isinstance(body, dict):
        return [validation_error(["body"], "Input should be a valid dictionary", "dict_type",
                                 body)]
    errors = []
    for name, check in spec["fields"].items():
        required = name in spec["required"]
        if name not in body:
            if required:
                errors.append(validation_error(["body", name], "Field required", "missing",
                                               body))
            continue
        errors += check_field(["body", name], body[name], check, required)
    return errors


def make_safetensors(size):
    """Bytes of a small but well-formed safetensors file of exactly `size` bytes (one U8
    tensor), so a client that parses the header finds a real one."""
    size = max(int(size), 128)
    length = size
    for _ in range(3):
        header = json.dumps({"__metadata__": {"format": "pt"},
                             "lora_unet_standin.weight": {"dtype": "U8", "shape": [length],
                                                          "data_offsets": [0, length]}},
                            separators=(",", ":")).encode()
        header += b" " * (-len(header) % 8)
        length = size - 8 - len(header)
    pattern = hashlib.sha256(b"fal-standin-lora").digest()
    data = (pattern * (length // len(pattern) + 1))[:length]
    return struct.pack("<Q", len(header)) + header + data


# --------------------------------------------------------------------------------------
# Generated pictures

# The luminance DC table of the JPEG standard (ITU T.81 Annex K, table K.3): code lengths
# 1..16 and the difference categories 0..11 they encode.
JPEG_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)


def _jpeg_dc_codes():
    """The canonical Huffman codes of JPEG_DC_BITS, by category (T.81 Annex C)."""
    codes, code = [], 0
    for length, count in enumerate(JPEG_DC_BITS, start=1):
        for _ in range(count):
            codes.append(format(code, "0%db" % length))
            code += 1
        code <<= 1
    return codes


JPEG_DC_CODES = _jpeg_dc_codes()


def _jpeg_segment(marker, payload):
    return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload


def _jpeg_dc(diff):
    """The bits of one DC difference: its category's code, then the value's low bits."""
    cat = abs(diff).bit_length()
    extra = format(diff if diff >= 0 else diff + (1 << cat) - 1, "0%db" % cat) if cat else ""
    return JPEG_DC_CODES[cat] + extra


def make_jpeg(width, height, top, bottom, cb=128, cr=128):
    """A baseline JFIF of width x height that any decoder reads: every 8x8 block is flat
    (DC only; the AC table holds nothing but end-of-block), shading from luma `top` in the
    first block row to `bottom` in the last, with constant chroma. A few kB per megapixel,
    made in milliseconds, so the stand-in needs no imaging library."""
    bw, bh = (width + 7) // 8, (height + 7) // 8
    eob = "0"                            # the AC table's only code
    same = (JPEG_DC_CODES[0] + eob) * 3  # a block like the one before it, in Y, Cb and Cr
    prev = [0, 0, 0]
    rows = []
    for by in range(bh):
        first = ""
        for c, v in enumerate((top + (bottom - top) * by // max(bh - 1, 1), cb, cr)):
            dc = max(min(int(v), 255), 0) - 128     # quantizer 8: the DC is the level
            first += _jpeg_dc(dc - prev[c]) + eob
            prev[c] = dc
        rows.append(first + same * (bw - 1))
    bits = "".join(rows)
    bits += "1" * (-len(bits) % 8)
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big").replace(b"\xff", b"\xff\x00")
    components = (1, 2, 3)
    return (b"\xff\xd8"
            + _jpeg_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
            + _jpeg_segment(0xDB, b"\x00" + bytes([8] * 64))
            + _jpeg_segment(0xC0, struct.pack(">BHHB", 8, height, width, 3)
                            + b"".join(struct.pack(">BBB", i, 0x11, 0) for i in components))
            + _jpeg_segment(0xC4, b"\x00" + bytes(JPEG_DC_BITS) + bytes(range(12)))
            + _jpeg_segment(0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00")
            + _jpeg_segment(0xDA, b"\x03" + b"".join(struct.pack(">BB", i, 0) for i in components)
                            + b"\x00\x3f\x00")
            + scan + b"\xff\xd9")


def make_png(width, height, top, bottom, rgb=(128, 128, 128)):
    """A PNG of width x height shading like make_jpeg (grey levels tinted by rgb)."""
    raw = bytearray()
    for y in range(height):
        v = top + (bottom - top) * y // max(height - 1, 1)
        px = bytes(max(min(v + c - 128, 255), 0) for c in rgb)
        raw += b"\x00" + px * width

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))


def picture(width, height, fmt, seed, index, black):
    """The bytes of one generated picture: a shade that differs with seed and index, or
    black for an image the safety checker flagged."""
    if black:
        top = bottom = 0
    else:
        top, bottom = 200 + (seed + index) % 40, 40 + (seed * 7 + index * 13) % 60
    cb, cr = 96 + (seed + 3 * index) % 64, 96 + (seed * 5 + index) % 64
    if fmt == "png":
        return make_png(width, height, top, bottom, (cr, 128, cb))
    return make_jpeg(width, height, top, bottom, cb if not black else 128,
                     cr if not black else 128)


# --------------------------------------------------------------------------------------
# Dataset check

def fetch_url(url, timeout=30.0, redirects=3):
    """(http status or None, bytes) of a file://, http:// or https:// URL, without proxies."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "file":
        with open(urllib.parse.unquote(parts.path), "rb") as f:
            return None, f.read(MAX_DATASET_BYTES + 1)
    if parts.scheme not in ("http", "https"):
        raise ValueError("unsupported URL scheme %r" % parts.scheme)
    cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = cls(parts.hostname, parts.port, timeout=timeout)
    try:
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        conn.request("GET", path, headers={"User-Agent": "fal-standin-runner"})
        resp = conn.getresponse()
        data = resp.read(MAX_DATASET_BYTES + 1)
        location = resp.getheader("Location")
        if resp.status in (301, 302, 303, 307, 308) and redirects > 0 and location:
            return fetch_url(urllib.parse.urljoin(url, location), timeout, redirects - 1)
        return resp.status, data
    finally:
        conn.close()


def check_dataset(url):
    """What the runner would find at the dataset URL."""
    res = {"url": url, "ok": False, "http_status": None, "size": None, "is_zip": False,
           "entries": None, "image_entries": None, "caption_entries": None, "names": [],
           "error": None, "checked_at": time.time()}
    try:
        status, data = fetch_url(url)
    except (OSError, ValueError, http.client.HTTPException) as e:
        res["error"] = "download failed: %s" % e
        return res
    res["http_status"] = status
    res["size"] = len(data)
    if status is not None and not 200 <= status < 300:
        res["error"] = "download failed: HTTP %d" % status
        return res
    if len(data) > MAX_DATASET_BYTES:
        res["error"] = "dataset larger than %d bytes" % MAX_DATASET_BYTES
        return res
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            bad = z.testzip()
            files = [i.filename for i in z.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as e:
        res["error"] = "not a ZIP archive: %s" % e
        return res
    res["is_zip"] = True
    res["names"] = files[:500]
    res["entries"] = len(files)
    res["image_entries"] = sum(1 for n in files if n.lower().endswith(IMAGE_EXTENSIONS))
    res["caption_entries"] = sum(1 for n in files if n.lower().endswith(".txt"))
    if bad is not None:
        res["error"] = "corrupt ZIP entry %s" % bad
        return res
    res["ok"] = True
    return res


# --------------------------------------------------------------------------------------
# State

class State:
    """Everything the stand-in remembers; guarded by one lock."""

    def __init__(self, key, port):
        self.key = key
        self.port = port
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.signing_keys = {name: Ed25519PrivateKey.generate() for name in ("k1", "k2")}
        self.forged_key = Ed25519PrivateKey.generate()
        with self.lock:
            self.reset_locked()

    def reset_locked(self):
        self.config = copy.deepcopy(DEFAULT_CONFIG)
        self.seq = 0
        self.calls = []
        self.faults = []
        self.requests = {}          # request_id -> record
        self.order = []             # request ids in submit order
        self.files = {}             # file id -> {"name", "content_type", "data"}
        self.wh_seq = 0
        self.deliveries = []        # webhook delivery attempts (and drops)
        self.delivery_counter = 0
        self.generation = getattr(self, "generation", 0) + 1   # stale threads check this
        self.changed.notify_all()

    # ---- helpers -------------------------------------------------------------------
    def base_url(self):
        return (self.config.get("public_base_url") or "http://127.0.0.1:%d" % self.port).rstrip("/")

    def public_key_x(self, name):
        raw = self.signing_keys[name].public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return b64url(raw)

    def jwks(self):
        return {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": self.public_key_x(n),
                          "kid": "fal-standin-%s" % n, "alg": "EdDSA", "use": "sig"}
                         for n in self.config["jwks_keys"]]}

    def private_key(self, name):
        """name: good (the configured signing key), k1, k2 or forged."""
        if name in (None, "good"):
            name = self.config["signing_key"]
        if name == "forged":
            return "forged", self.forged_key
        if name not in self.signing_keys:
            raise BadControl("unknown key %r (good, k1, k2, forged)" % name)
        return name, self.signing_keys[name]

    def record(self, entry):
        self.seq += 1
        entry["seq"] = self.seq
        self.calls.append(entry)
        self.changed.notify_all()
        return entry

    def take_faults(self, kinds, endpoint=None, app_id=None, request_id=None, first_only=True):
        """Matching armed faults (each use consumed); the first only unless first_only=False."""
        out = []
        for f in list(self.faults):
            if f["kind"] not in kinds:
                continue
            if f["endpoint"] is not None and endpoint is not None and f["endpoint"] != endpoint:
                continue
            if f["app_id"] is not None and f["app_id"] != app_id:
                continue
            if f["request_id"] is not None and f["request_id"] != request_id:
                continue
            if first_only and out:
                break
            if any(o["kind"] == f["kind"] for o in out):
                continue
            f["remaining"] -= 1
            f["used"] += 1
            if f["remaining"] <= 0:
                self.faults.remove(f)
            out.append(dict(f))
        return out

    def urls(self, rec):
        base = "%s/%s/requests/%s" % (self.base_url(), rec["owner_name"], rec["request_id"])
        return {"response_url": base, "status_url": base + "/status",
                "cancel_url": base + "/cancel"}

    # ---- simulation ----------------------------------------------------------------
    def new_request(self, app_id, body, webhook_url):
        cfg = self.config
        rid = str(uuid.uuid4())
        spec = APPS[app_id]
        duration = cfg["duration"]
        if spec["kind"] == "generation":
            duration = cfg["generation_duration"]
            duration = spec["default_duration"] if duration is None else duration
        duration = max(float(duration), 0.0)
        queue_s = cfg["queue_seconds"]
        queue_s = duration * 0.25 if queue_s is None else min(max(float(queue_s), 0.0), duration)
        inp = body if isinstance(body, dict) else {}
        steps = inp.get(spec["steps_field"]) if spec["steps_field"] else None
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
            steps = spec["default_steps"]
        dataset_url = inp.get(spec["dataset_field"]) if spec.get("dataset_field") else None
        rec = {
            "request_id": rid, "gateway_request_id": rid, "app_id": app_id,
            "owner_name": "/".join(app_id.split("/")[:2]),
            "input": body, "webhook_url": webhook_url,
            "dataset_url": dataset_url if isinstance(dataset_url, str) else None,
            "dataset": None, "dataset_pending": False,
            "status": "IN_QUEUE", "outcome": None,
            "submitted_at": time.time(), "_t0": time.monotonic(),
            "started_at": None, "completed_at": None,
            "_duration": duration, "_queue_s": queue_s,
            "_queue_pos0": max(int(cfg["queue_position"]), 0),
            "queue_position": max(int(cfg["queue_position"]), 0),
            "_log_lines": max(int(cfg["log_lines"]), 1), "_logged": 0,
            "_auto_complete": bool(cfg["auto_complete"]),
            "steps_total": steps, "step": 0, "progress": 0.0,
            "logs": [], "output": None, "error": None,
            "cancel_requested": False, "_cancel_at": None,
            "_fail": None, "_fail_at": "end", "inference_time": None,
            "webhook_sent": False,
            "_plan": self.generation_plan(spec, inp) if spec["kind"] == "generation" else None,
        }
        if cfg["validation"] == "runner":
            errors = validate_input(app_id, body)
            if errors:
                rec["_fail"] = {"status": 422, "detail": errors, "error_type": None}
                rec["_fail_at"] = "start"
        for f in self.take_faults(("fail",), app_id=app_id, request_id=None):
            rec["_fail"] = {"status": int(f["status"] or 422), "detail": f["detail"],
                            "error_type": f["error_type"]}
            rec["_fail_at"] = f["at"] or "end"
        self.requests[rid] = rec
        self.order.append(rid)
        if cfg["check_dataset"] and rec["dataset_url"]:
            rec["dataset_pending"] = True
            gen = self.generation
            threading.Thread(target=self._run_dataset_check, args=(rid, rec["dataset_url"], gen),
                             daemon=True).start()
        return rec

    def generation_plan(self, spec, inp):
        """What a generation will make, fixed at submit: the seed, each image's size, the
        format and the NSFW flags (config nsfw, when the input keeps the safety checker on).
        Invalid inputs (accepted with validation "runner") fall back to the defaults."""
        n = inp.get("num_images")
        n = n if isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= 4 else 1
        seed = inp.get("seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            seed = random.randint(0, 2**31 - 1)
        if "aspect_ratio" in spec["fields"]:
            ratio = inp.get("aspect_ratio")
            size = (ratio_size(ratio) if isinstance(ratio, str) else None) or ULTRA_ASPECTS["16:9"]
        else:
            size = inp.get("image_size", "landscape_4_3")
            if isinstance(size, dict):
                size = tuple(size.get(k, 512) for k in ("width", "height"))
                if not all(isinstance(v, int) and 1 <= v <= MAX_IMAGE_SIDE for v in size):
                    size = None
            else:
                size = IMAGE_SIZES.get(size) if isinstance(size, str) else None
            size = size or IMAGE_SIZES["landscape_4_3"]
        fmt = inp.get("output_format") if inp.get("output_format") in ("jpeg", "png") else "jpeg"
        knob = self.config["nsfw"]
        flags = [bool(knob[i]) if i < len(knob) else False for i in range(n)] \
            if isinstance(knob, list) else [i < int(knob) for i in range(n)]
        if inp.get("enable_safety_checker") is False:
            flags = [False] * n
        return {"seed": seed, "width": size[0], "height": size[1], "format": fmt,
                "nsfw": flags, "prompt": inp.get("prompt") if isinstance(inp.get("prompt"), str)
                else ""}

    def _run_dataset_check(self, rid, url, gen):
        res = check_dataset(url)
        with self.lock:
            if gen != self.generation or rid not in self.requests:
                return
            rec = self.requests[rid]
            rec["dataset"] = res
            rec["dataset_pending"] = False
            min_images = int(self.config.get("min_images") or 0)
            if res["ok"] and min_images and (res["image_entries"] or 0) < min_images:
                res["ok"] = False
                res["error"] = "found %d images, at least %d needed" % (res["image_entries"],
                                                                        min_images)
            if not res["ok"] and self.config["dataset_required"] and rec["_fail"] is None:
                field = APPS[rec["app_id"]]["dataset_field"]
                rec["_fail"] = {"status": 422, "error_type": None, "detail": [validation_error(
                    ["body", field], "Could not use the dataset: %s" % res["error"],
                    "value_error", url)]}
                rec["_fail_at"] = "start"
            self.changed.notify_all()
        summary = ("ok, %s entries, %s images" % (res["entries"], res["image_entries"])
                   if res["ok"] else res["error"])
        sys.stderr.write("fal-standin: dataset of %s: %s\n" % (rid, summary))
        sys.stderr.flush()

    def add_log(self, rec, message, level="INFO"):
        rec["logs"].append({"message": message, "level": level, "source": "user",
                            "timestamp": now_iso()})

    def step_log(self, rec, step):
        total = rec["steps_total"]
        if APPS[rec["app_id"]]["kind"] == "generation":
            return "Generating: step %d/%d" % (step, total)
        if APPS[rec["app_id"]]["output"] == "finetune":
            return "Finetuning progress: step %d/%d" % (step, total)
        loss = 0.12 * math.exp(-2.0 * step / total) + 0.03
        return "Training step %d/%d, loss: %.4f" % (step, total, loss)

    def start_progress(self, rec):
        rec["status"] = "IN_PROGRESS"
        rec["queue_position"] = None
        rec["started_at"] = time.time()
        rec["_t_start"] = time.monotonic()
        if APPS[rec["app_id"]]["kind"] == "generation":
            inp = rec["input"] if isinstance(rec["input"], dict) else {}
            self.add_log(rec, "Loading the finetune" if "finetune_id" in inp
                         else "Loading %d LoRA(s)" % len(inp.get("loras") or []))
            self.add_log(rec, "Generating %d image(s) of %dx%d" % (
                len(rec["_plan"]["nsfw"]), rec["_plan"]["width"], rec["_plan"]["height"]))
            return
        self.add_log(rec, "Downloading the training data")
        ds = rec.get("dataset")
        if ds and ds.get("ok"):
            self.add_log(rec, "Found %d images in the archive" % ds["image_entries"])
        if APPS[rec["app_id"]]["output"] == "finetune":
            self.add_log(rec, "Starting finetune (%d iterations)" % rec["steps_total"])
        else:
            self.add_log(rec, "Preprocessing images: detecting faces and captioning")
            self.add_log(rec, "Starting training (%d steps)" % rec["steps_total"])

    def set_progress(self, rec, p):
        p = min(max(p, 0.0), 1.0)
        rec["progress"] = p
        n = rec["_log_lines"]
        due = int(math.floor(p * n + 1e-9))
        while rec["_logged"] < due:
            rec["_logged"] += 1
            step = int(round(rec["steps_total"] * rec["_logged"] / n))
            rec["step"] = step
            self.add_log(rec, self.step_log(rec, step))

    def finish(self, rec, outcome, fail=None):
        """End a request: outcome ok | error | cancelled. Returns a webhook job or None."""
        now_m = time.monotonic()
        if rec["status"] == "IN_QUEUE":
            if outcome != "cancelled":
                self.start_progress(rec)
        generation = APPS[rec["app_id"]]["kind"] == "generation"
        if outcome == "ok":
            self.set_progress(rec, 1.0)
            kind = APPS[rec["app_id"]]["output"]
            self.add_log(rec, {"finetune": "Uploading the finetune", "lora": "Saving LoRA weights",
                               "images": "Uploading the images"}[kind])
            rec["output"] = self.make_output(rec)
            self.add_log(rec, "Generation completed" if generation else "Training completed")
        elif outcome == "error":
            detail = fail["detail"]
            if detail is None and generation:
                detail = [validation_error(["body"], "Image generation failed", "value_error",
                                           None)]
            elif detail is None:
                detail = [validation_error(["body"], "Training failed: no faces were found in "
                                           "the training images", "value_error", None)]
            rec["error"] = {"status": fail["status"], "detail": detail,
                            "error_type": fail.get("error_type")}
            self.add_log(rec, "%s failed: %s" % ("Generation" if generation else "Training",
                                                 detail if isinstance(detail, str)
                                                 else json.dumps(detail)[:200]), "ERROR")
        else:
            rec["error"] = {"status": 499, "detail": "Request cancelled",
                            "error_type": "request_cancelled"}
            if rec["status"] == "IN_PROGRESS":
                self.add_log(rec, "Received a cancellation request, stopping", "WARNING")
        rec["status"] = "COMPLETED"
        rec["outcome"] = outcome
        rec["queue_position"] = None
        rec["completed_at"] = time.time()
        if rec.get("_t_start") is not None:
            rec["inference_time"] = round(now_m - rec["_t_start"], 3)
        self.changed.notify_all()
        if not rec["webhook_url"]:
            return None
        if outcome == "cancelled" and not self.config["webhook_on_cancel"]:
            return None
        rec["webhook_sent"] = True
        return {"request_id": rec["request_id"], "kind": "auto"}

    def make_output(self, rec):
        if APPS[rec["app_id"]]["output"] == "finetune":
            return {"finetune_id": str(uuid.uuid4())}
        if APPS[rec["app_id"]]["output"] == "images":
            return self.make_images(rec)
        base = self.base_url()
        lora_id = uuid.uuid4().hex[:20]
        lora = make_safetensors(self.config["lora_file_size"])
        inp = rec["input"] if isinstance(rec["input"], dict) else {}
        cfg_doc = {"images_data_url": inp.get("images_data_url"),
                   "steps": rec["steps_total"],
                   "trigger_word": inp.get("trigger_word") or inp.get("trigger_phrase"),
                   "base_model": "black-forest-labs/FLUX.1-dev",
                   "is_style": bool(inp.get("is_style", False))}
        cfg_bytes = json.dumps(cfg_doc, indent=2).encode()
        cfg_id = uuid.uuid4().hex[:20]
        self.files[lora_id] = {"name": "pytorch_lora_weights.safetensors",
                               "content_type": "application/octet-stream", "data": lora}
        self.files[cfg_id] = {"name": "config.json", "content_type": "application/json",
                              "data": cfg_bytes}
        return {
            "diffusers_lora_file": {"url": "%s/files/%s/pytorch_lora_weights.safetensors"
                                           % (base, lora_id),
                                    "content_type": "application/octet-stream",
                                    "file_name": "pytorch_lora_weights.safetensors",
                                    "file_size": len(lora)},
            "config_file": {"url": "%s/files/%s/config.json" % (base, cfg_id),
                            "content_type": "application/json", "file_name": "config.json",
                            "file_size": len(cfg_bytes)},
        }

    def make_images(self, rec):
        """FAL's text-to-image output: the pictures (served under /files/), the seed, one NSFW
        flag per image, the prompt and the timings."""
        plan = rec["_plan"]
        base = self.base_url()
        ext, ctype = (("png", "image/png") if plan["format"] == "png" else ("jpg", "image/jpeg"))
        images = []
        for i, flagged in enumerate(plan["nsfw"]):
            data = picture(plan["width"], plan["height"], plan["format"], plan["seed"], i, flagged)
            file_id = uuid.uuid4().hex[:20]
            name = "%s.%s" % (uuid.uuid4().hex[:21], ext)
            self.files[file_id] = {"name": name, "content_type": ctype, "data": data}
            images.append({"url": "%s/files/%s/%s" % (base, file_id, name),
                           "width": plan["width"], "height": plan["height"],
                           "content_type": ctype})
        started = rec.get("_t_start")
        elapsed = time.monotonic() - started if started is not None else 0.0
        return {"images": images, "timings": {"inference": round(elapsed, 3)},
                "seed": plan["seed"], "has_nsfw_concepts": list(plan["nsfw"]),
                "prompt": plan["prompt"]}

    def advance_locked(self):
        """Move every running request along its timeline; returns webhook jobs to start."""
        jobs = []
        now_m = time.monotonic()
        for rid in self.order:
            rec = self.requests[rid]
            if rec["status"] == "COMPLETED":
                continue
            if rec["_cancel_at"] is not None and now_m >= rec["_cancel_at"]:
                job = self.finish(rec, "cancelled")
                if job:
                    jobs.append(job)
                continue
            t = now_m - rec["_t0"]
            if rec["status"] == "IN_QUEUE":
                q = rec["_queue_s"]
                if t < q:
                    pos0 = rec["_queue_pos0"]
                    rec["queue_position"] = max(min(pos0, int((pos0 + 1) * (q - t) / q)), 0)
                    continue
                self.start_progress(rec)
                self.changed.notify_all()
            # IN_PROGRESS
            if rec["_fail"] is not None and rec["_fail_at"] == "start":
                job = self.finish(rec, "error", rec["_fail"])
                if job:
                    jobs.append(job)
                continue
            span = rec["_duration"] - rec["_queue_s"]
            p = 1.0 if span <= 0 else (t - rec["_queue_s"]) / span
            if not rec["_auto_complete"]:
                p = min(p, 0.9)
            before = len(rec["logs"])
            self.set_progress(rec, p)
            if len(rec["logs"]) != before:
                self.changed.notify_all()
            if p >= 1.0 and rec["_auto_complete"] and not rec["dataset_pending"]:
                if rec["_cancel_at"] is not None:
                    continue           # stopping; it ends cancelled
                if rec["_fail"] is not None:
                    job = self.finish(rec, "error", rec["_fail"])
                else:
                    job = self.finish(rec, "ok")
                if job:
                    jobs.append(job)
        return jobs

    # ---- public views --------------------------------------------------------------
    def request_view(self, rec):
        out = {k: v for k, v in rec.items() if not k.startswith("_")}
        out["logs"] = list(rec["logs"])
        out.update(self.urls(rec))
        out["webhook_deliveries"] = sum(1 for d in self.deliveries
                                        if d["request_id"] == rec["request_id"] and d["sent"])
        return json.loads(json.dumps(out))

    def status_body(self, rec, with_logs):
        body = {"status": rec["status"], "request_id": rec["request_id"]}
        body.update(self.urls(rec))
        if rec["status"] == "IN_QUEUE":
            body["queue_position"] = rec["queue_position"]
        body["logs"] = list(rec["logs"]) if with_logs and rec["status"] != "IN_QUEUE" else None
        if rec["status"] == "COMPLETED":
            body["metrics"] = ({"inference_time": rec["inference_time"]}
                               if rec["inference_time"] is not None else {})
            if rec["outcome"] != "ok":
                err = rec["error"]
                body["error"] = ("Request cancelled" if rec["outcome"] == "cancelled"
                                 else "Invalid status code: %d" % err["status"])
                body["error_type"] = err.get("error_type")
        return body

    def webhook_body(self, rec):
        if rec["outcome"] == "ok":
            return {"error": None, "gateway_request_id": rec["gateway_request_id"],
                    "payload": rec["output"], "request_id": rec["request_id"], "status": "OK"}
        err = rec["error"]
        payload = {"detail": err["detail"]}
        if err.get("error_type"):
            payload["error_type"] = err["error_type"]
        error = ("Request cancelled" if rec["outcome"] == "cancelled"
                 else "Invalid status code: %d" % err["status"])
        return {"error": error, "gateway_request_id": rec["gateway_request_id"],
                "payload": payload, "request_id": rec["request_id"], "status": "ERROR"}


# --------------------------------------------------------------------------------------
# Webhook delivery

class Webhooks:
    """Sends webhooks (one thread per delivery), applying faults and retries."""

    def __init__(self, st):
        self.st = st

    def start(self, job, faults=None, url=None, wait=False):
        """Deliver the webhook of a completed request. With wait, runs in this thread and
        returns the attempt records; otherwise starts a thread and returns None."""
        st = self.st
        with st.lock:
            rec = st.requests.get(job["request_id"])
            if rec is None:
                raise BadControl("no such request")
            target = url or rec["webhook_url"]
            if not target:
                raise BadControl("the request has no webhook URL (give url)")
            body = webhook_bytes(st.webhook_body(rec))
            if faults is None:
                faults = st.take_faults(WEBHOOK_FAULTS, request_id=rec["request_id"],
                                        first_only=False) if job["kind"] == "auto" else []
            st.delivery_counter += 1
            delivery = {"id": st.delivery_counter, "request_id": rec["request_id"],
                        "url": target, "body": body, "kind": job["kind"], "faults": faults,
                        "generation": st.generation, "created": time.monotonic()}
        if wait:
            return self.run(delivery)
        threading.Thread(target=self.run, args=(delivery,), daemon=True).start()
        return None

    def run(self, d):
        st = self.st
        kinds = {f["kind"]: f for f in d["faults"]}
        names = sorted(kinds)
        if "webhook_drop" in kinds:
            return [self.record(d, {"sent": False, "attempt": 0, "copy": 0, "http_status": None,
                                    "error": "dropped (fault)", "faults": names})]
        if "webhook_delay" in kinds:
            time.sleep(float(kinds["webhook_delay"]["seconds"] or 2.0))
        if "webhook_reorder" in kinds:
            limit = float(kinds["webhook_reorder"]["seconds"] or 10.0)
            deadline = time.monotonic() + limit
            with st.lock:
                while time.monotonic() < deadline and d["generation"] == st.generation:
                    later = [x for x in st.deliveries
                             if x["sent"] and x["delivery_id"] != d["id"]
                             and x["time_mono"] > d["created"]]
                    if later:
                        break
                    st.changed.wait(min(0.1, max(deadline - time.monotonic(), 0.001)))
        copies = 1
        if "webhook_duplicate" in kinds:
            copies = max(int(kinds["webhook_duplicate"]["times"] or 2), 1)
        out = []
        for c in range(copies):
            out += self.send_with_retries(d, kinds, names, c)
        return out

    def send_with_retries(self, d, kinds, names, copy_no):
        st = self.st
        with st.lock:
            tries = max(int(st.config["webhook_retries"]), 1)
            interval = float(st.config["webhook_retry_interval"])
            backoff = float(st.config["webhook_backoff"])
        out = []
        for attempt in range(1, tries + 1):
            with st.lock:
                if d["generation"] != st.generation:
                    return out
            key = "forged" if "webhook_forge" in kinds else "good"
            ts = int(time.time())
            if "webhook_expired" in kinds:
                ts -= int(kinds["webhook_expired"]["seconds"] or 600)
            rec = self.send_one(d["url"], d["body"], d["request_id"],
                                sign="webhook_unsigned" not in kinds, key=key, timestamp=ts,
                                tamper="webhook_tamper" in kinds)
            rec.update({"attempt": attempt, "copy": copy_no, "faults": names})
            out.append(self.record(d, rec))
            status = rec["http_status"]
            if status is not None and 200 <= status < 300:
                break
            if attempt < tries:
                time.sleep(interval * (backoff ** (attempt - 1)))
        return out

    def send_one(self, url, body, request_id, sign=True, key="good", timestamp=None,
                 tamper=False, user_id=None):
        """One POST of a webhook; returns the attempt record (not yet stored)."""
        st = self.st
        with st.lock:
            user_id = user_id if user_id is not None else st.config["user_id"]
            timeout = float(st.config["webhook_timeout"])
            key_name, private = st.private_key(key) if sign else (None, None)
        ts = int(time.time()) if timestamp is None else int(timestamp)
        headers = {"Content-Type": "application/json", "User-Agent": "fal-standin-webhook/1.0",
                   "X-Fal-Webhook-Request-Id": request_id, "X-Fal-Webhook-User-Id": user_id,
                   "X-Fal-Webhook-Timestamp": str(ts)}
        if sign:
            sig = private.sign(signed_message(request_id, user_id, ts, body))
            headers["X-Fal-Webhook-Signature"] = sig.hex()
        sent_body = body
        if tamper:
            sent_body = tamper_body(body)
        rec = {"sent": True, "url": url, "request_id": request_id, "headers": headers,
               "body_text": sent_body.decode("utf-8", errors="replace"),
               "signed_with": key_name, "timestamp": ts, "tampered": bool(tamper),
               "http_status": None, "error": None, "response": None}
        parts = urllib.parse.urlsplit(url)
        t0 = time.monotonic()
        try:
            cls = (http.client.HTTPSConnection if parts.scheme == "https"
                   else http.client.HTTPConnection)
            conn = cls(parts.hostname, parts.port, timeout=timeout)
            try:
                path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
                conn.request("POST", path, body=sent_body, headers=headers)
                resp = conn.getresponse()
                rec["http_status"] = resp.status
                rec["response"] = resp.read(4096).decode("utf-8", errors="replace")
            finally:
                conn.close()
        except (OSError, http.client.HTTPException, ValueError) as e:
            rec["error"] = "%s: %s" % (type(e).__name__, e)
        rec["elapsed"] = round(time.monotonic() - t0, 3)
        return rec

    def record(self, d, rec):
        st = self.st
        rec.setdefault("url", d["url"])
        rec.setdefault("request_id", d["request_id"])
        rec.update({"delivery_id": d["id"], "kind": d["kind"], "time": time.time(),
                    "time_mono": time.monotonic()})
        with st.lock:
            if d.get("generation", st.generation) != st.generation:
                return rec
            st.wh_seq += 1
            rec["seq"] = st.wh_seq
            st.deliveries.append(rec)
            st.changed.notify_all()
        sys.stderr.write("fal-standin: webhook #%d %s request_id=%s attempt=%s -> %s%s\n"
                         % (rec["seq"], d["kind"], d["request_id"], rec.get("attempt"),
                            rec["http_status"] if rec["sent"] else "dropped",
                            " (%s)" % ",".join(rec["faults"]) if rec.get("faults") else ""))
        sys.stderr.flush()
        return rec


def tamper_body(body):
    """The same webhook with its content changed after signing."""
    try:
        obj = json.loads(body.decode("utf-8"))
    except ValueError:
        return body + b" "
    if not isinstance(obj, dict):
        return body + b" "
    payload = obj.get("payload")
    if isinstance(payload, dict) and isinstance(payload.get("diffusers_lora_file"), dict):
        payload["diffusers_lora_file"]["url"] = "https://attacker.example/lora.safetensors"
    elif isinstance(payload, dict) and payload.get("images"):
        payload["images"][0]["url"] = "https://attacker.example/image.jpg"
    elif isinstance(payload, dict) and "finetune_id" in payload:
        payload["finetune_id"] = "00000000-0000-0000-0000-000000000000"
    elif obj.get("status") == "ERROR":
        obj["status"] = "OK"
        obj["error"] = None
        obj["payload"] = {"finetune_id": "00000000-0000-0000-0000-000000000000"}
    else:
        obj["tampered"] = True
    return webhook_bytes(obj)


# --------------------------------------------------------------------------------------
# HTTP

class ApiAnswer(Exception):
    def __init__(self, status, body, headers=()):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = list(headers)


class Handler(standin_http.Handler):
    server_version = "fal-standin"
    max_body = MAX_REQUEST_BODY

    def body_too_large(self):
        return ApiAnswer(413, {"detail": "Request Entity Too Large"})

    @property
    def hooks(self):
        return self.server.webhooks

    # ---- plumbing ------------------------------------------------------------------
    def send_json(self, status, obj, extra_headers=()):
        self.send_bytes(status, json.dumps(obj).encode("utf-8"), extra_headers=extra_headers)

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    # ---- dispatch ------------------------------------------------------------------
    def dispatch(self):
        received = time.time()
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        try:
            raw = self.read_body()
        except (ApiAnswer, ValueError, OSError):
            self.close_connection = True
            return self.send_json(400, {"detail": "invalid request body"})
        if path.startswith("/_control/"):
            return ControlApi(self).handle(path[len("/_control/"):], url.query, raw)
        entry = self.new_entry(received, path, url.query, raw)
        try:
            self.route(entry, path, url.query, raw)
        except ApiAnswer as a:
            self.finish_call(entry, a.status, a.body, a.headers)

    def new_entry(self, received, path, query, raw):
        headers = {}
        for k, v in self.headers.items():
            if k.lower() == "authorization":
                scheme = v.split(" ", 1)[0] if v else ""
                v = (scheme + " <redacted>") if " " in v else "<redacted>"
            headers[k] = v
        body = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                body = {"_raw": raw[:2000].decode("utf-8", errors="replace")}
        return {"time": received, "method": self.command, "path": path,
                "query": dict(urllib.parse.parse_qsl(query, keep_blank_values=True)),
                "headers": headers, "body": body, "endpoint": None, "app_id": None,
                "request_id": None, "auth_present": "Authorization" in self.headers,
                "auth_ok": None, "http_status": None, "fault": None, "response": None}

    def finish_call(self, entry, status, answer, headers=(), raw=None):
        entry["http_status"] = status
        entry["response"] = answer
        with self.st.lock:
            self.st.record(entry)
        extra = ""
        if entry["app_id"]:
            extra += " app=%s" % entry["app_id"]
        if entry["request_id"]:
            extra += " request_id=%s" % entry["request_id"]
        if entry["auth_ok"] is False:
            extra += " auth=bad"
        if entry["fault"]:
            extra += " fault=%s" % entry["fault"]
        sys.stderr.write("fal-standin: #%d %s %s -> %s%s\n"
                         % (entry["seq"], self.command, entry["endpoint"] or entry["path"],
                            status or "dropped", extra))
        sys.stderr.flush()
        if status == 0:
            return self.drop_connection()
        if raw is not None:
            return self.send_bytes(status, raw[0], raw[1], headers)
        self.send_json(status, answer, headers)

    def check_auth(self, entry):
        value = self.headers.get("Authorization")
        if value is None:
            entry["auth_ok"] = False
            raise ApiAnswer(401, {"detail": "Authentication is required to access this "
                                            "application."})
        scheme, _, token = value.strip().partition(" ")
        token = token.strip()
        if scheme.lower() == "key" and token == self.st.key:
            entry["auth_ok"] = True
            return
        entry["auth_ok"] = False
        if scheme.lower() == "key" and ":" not in token:
            raise ApiAnswer(401, {"detail": "Invalid Key Authorization header format. "
                                            "Expected '<key_id>:<key_secret>'."})
        raise ApiAnswer(401, {"detail": "No user found for Key ID and Secret"})

    def apply_fault(self, entry, endpoint, app_id=None, request_id=None):
        """Answer with an armed fault. Returns (handled, after): after is None (answer
        normally), or what becomes of the answer once the call was processed: "drop" (the
        connection is cut), ("stall", seconds) (it comes that much later) or "malformed" (a
        200 whose body is cut short)."""
        with self.st.lock:
            faults = self.st.take_faults(ENDPOINT_FAULTS, endpoint=endpoint, app_id=app_id,
                                         request_id=request_id)
        if not faults:
            return False, False
        f = faults[0]
        kind = f["kind"]
        entry["fault"] = kind
        if kind == "stall":
            seconds = float(f["seconds"] if f["seconds"] is not None else 5.0)
            if f["process"]:
                return False, ("stall", seconds)    # processed at once, answered late
            time.sleep(seconds)
            return False, None                  # slow, then processed normally
        if kind == "drop":
            if f["process"]:
                return False, "drop"            # processed, then the answer is lost
            self.finish_call(entry, 0, None)
            return True, None
        if kind == "malformed":
            return False, "malformed"           # processed, then an unreadable 200
        if kind == "429":
            ra = int(f["retry_after"] if f["retry_after"] is not None else 5)
            self.finish_call(entry, 429, {"detail": f["detail"] or "Rate limit exceeded"},
                             [("Retry-After", str(ra))])
        elif kind == "500":
            self.finish_call(entry, 500, {"detail": f["detail"] or "Internal Server Error"})
        elif kind == "502":
            self.finish_call(entry, 502, None, raw=(NGINX_502, "text/html"))
        elif kind == "503":
            et = f["error_type"] or "runner_scheduling_failure"
            self.finish_call(entry, 503, {"detail": f["detail"] or "No runner could be "
                                          "allocated to handle the request.", "error_type": et},
                             [("X-Fal-Error-Type", et)])
        elif kind == "504":
            et = f["error_type"] or "request_timeout"
            self.finish_call(entry, 504, {"detail": f["detail"] or "Request timed out",
                                          "error_type": et}, [("X-Fal-Error-Type", et)])
        elif kind == "http":
            self.finish_call(entry, int(f["status"] or 400),
                             {"detail": f["detail"] if f["detail"] is not None else "Bad Request"})
        return True, None

    def answer_after(self, entry, after, status, body, headers=()):
        """Sends the answer of a processed call, as the armed fault (if any) has it."""
        if after == "drop":
            return self.finish_call(entry, 0, body)
        if after == "malformed":
            text = json.dumps(body).encode("utf-8")
            return self.finish_call(entry, 200, body, headers,
                                    raw=(text[:max(len(text) // 2, 1)], "application/json"))
        if isinstance(after, tuple) and after[0] == "stall":
            time.sleep(after[1])
        self.finish_call(entry, status, body, headers)

    def route(self, entry, path, query, raw):
        st = self.st
        if path == "/.well-known/jwks.json":
            entry["endpoint"] = "jwks"
            if self.command not in ("GET", "HEAD"):
                raise ApiAnswer(405, {"detail": "Method Not Allowed"})
            if self.apply_fault(entry, "jwks")[0]:
                return
            with st.lock:
                jwks = st.jwks()
            return self.finish_call(entry, 200, jwks, [("Cache-Control", "max-age=86400")])
        if path == "/v1/models/requests/by-endpoint":
            entry["endpoint"] = "list"
            if self.command not in ("GET", "HEAD"):
                raise ApiAnswer(405, {"detail": "Method Not Allowed"})
            self.check_auth(entry)
            if self.apply_fault(entry, "list")[0]:
                return
            return self.finish_call(entry, 200, self.listing(query))
        m = re.fullmatch(r"/files/([^/]+)/([^/]+)", path)
        if m:
            entry["endpoint"] = "file"
            if self.command not in ("GET", "HEAD"):
                raise ApiAnswer(405, {"detail": "Method Not Allowed"})
            if self.apply_fault(entry, "file")[0]:
                return
            with st.lock:
                f = st.files.get(m.group(1))
            if f is None or f["name"] != m.group(2):
                raise ApiAnswer(404, {"detail": "Not Found"})
            return self.finish_call(entry, 200, {"size": len(f["data"])},
                                    raw=(f["data"], f["content_type"]))
        m = re.fullmatch(r"/([^/]+)/([^/]+)/requests/([^/]+)(/status|/cancel|/status/stream)?",
                         path)
        if m:
            owner_name = "%s/%s" % (m.group(1), m.group(2))
            rid = m.group(3)
            entry["request_id"] = rid
            tail = m.group(4) or ""
            entry["endpoint"] = {"": "result", "/status": "status", "/cancel": "cancel",
                                 "/status/stream": "status_stream"}[tail]
            return self.request_op(entry, entry["endpoint"], owner_name, rid, query)
        m = re.fullmatch(r"/[^/]+/[^/]+/.+/requests/([^/]+)(/status|/cancel|/status/stream)?",
                         path)
        if m:
            # a request's URLs name owner/name only, never the app's subpath
            entry["request_id"] = m.group(1)
            entry["endpoint"] = {"": "result", "/status": "status", "/cancel": "cancel",
                                 "/status/stream": "status_stream"}[m.group(2) or ""]
            self.check_auth(entry)
            raise ApiAnswer(404, {"detail": "Not Found"})
        parts = [p for p in path.split("/") if p]
        if len(parts) >= 2:
            entry["endpoint"] = "submit"
            entry["app_id"] = "/".join(parts)
            if self.command != "POST":
                raise ApiAnswer(405, {"detail": "Method Not Allowed"})
            return self.submit(entry, "/".join(parts), query, raw)
        raise ApiAnswer(404, {"detail": "Not Found"})

    # ---- platform API ----------------------------------------------------------------
    def listing(self, query):
        """FAL's platform API "list requests by endpoint" (api.fal.ai/v1/models/requests/
        by-endpoint): the requests of the given endpoint ids sent since start (default: 24 h
        ago), newest first, json_input/json_output with expand=payloads, paged by cursor. A
        request shows only listing_lag seconds after its submit (FAL's listing comes from its
        analytics); running ones are listed with ended_at null."""
        st = self.st
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        wanted = {e for v in q.get("endpoint_id", []) for e in v.split(",") if e}
        if not wanted:
            raise ApiAnswer(422, {"detail": [validation_error(["query", "endpoint_id"],
                                                              "Field required", "missing",
                                                              None)]})
        start = time.time() - 86400
        if q.get("start"):
            try:
                start = datetime.fromisoformat(q["start"][0].replace("Z", "+00:00")).timestamp()
            except ValueError:
                raise ApiAnswer(422, {"detail": "start must be ISO 8601"}) from None
        payloads = "payloads" in ",".join(q.get("expand", []))
        limit = min(max(int((q.get("limit") or ["50"])[0]), 1), 100)
        page = int(base64.b64decode((q.get("cursor") or ["MA=="])[0]).decode() or 0)

        def iso(t):
            return (datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")
                    if t else None)
        with st.lock:
            st.advance_locked()
            lag = float(st.config["listing_lag"])
            now = time.time()
            items = []
            for rid in reversed(st.order):
                rec = st.requests[rid]
                if rec["app_id"] not in wanted or rec["submitted_at"] < start:
                    continue
                if now - rec["submitted_at"] < lag:
                    continue
                item = {"request_id": rid, "endpoint_id": rec["app_id"],
                        "sent_at": iso(rec["submitted_at"]), "started_at": iso(rec["started_at"]),
                        "ended_at": iso(rec["completed_at"]),
                        "status_code": (None if rec["status"] != "COMPLETED" else
                                        200 if rec["outcome"] == "ok" else
                                        (rec["error"] or {}).get("status", 500)),
                        "duration": rec["inference_time"]}
                if payloads:
                    item["json_input"] = copy.deepcopy(rec["input"])
                    item["json_output"] = copy.deepcopy(rec["output"])
                items.append(item)
        chunk = items[page * limit:(page + 1) * limit]
        more = len(items) > (page + 1) * limit
        return {"items": chunk, "has_more": more,
                "next_cursor": base64.b64encode(str(page + 1).encode()).decode() if more
                else None}

    # ---- queue operations ----------------------------------------------------------
    def submit(self, entry, app_id, query, raw):
        st = self.st
        self.check_auth(entry)
        handled, after = self.apply_fault(entry, "submit", app_id=app_id)
        if handled:
            return
        if app_id not in APPS:
            raise ApiAnswer(404, {"detail": "Application '%s' not found" % app_id})
        try:
            body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
        except (ValueError, UnicodeDecodeError):
            raise ApiAnswer(422, {"detail": [validation_error(
                ["body"], "JSON decode error", "json_invalid", None)]}) from None
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        webhook = q.get("fal_webhook") or None
        with st.lock:
            if st.config["validation"] != "runner":
                errors = validate_input(app_id, body)
                if errors:
                    raise ApiAnswer(422, {"detail": errors})
            rec = st.new_request(app_id, body, webhook)
            entry["request_id"] = rec["request_id"]
            answer = {"status": "IN_QUEUE", "request_id": rec["request_id"],
                      "gateway_request_id": rec["gateway_request_id"]}
            answer.update(st.urls(rec))
            answer["queue_position"] = rec["queue_position"]
            jobs = st.advance_locked()
        self.server.start_jobs(jobs)
        self.answer_after(entry, after, 200, answer)

    def request_op(self, entry, op, owner_name, rid, query):
        st = self.st
        expected = {"result": ("GET", "HEAD"), "status": ("GET", "HEAD"), "cancel": ("PUT",),
                    "status_stream": ("GET",)}[op]
        if self.command not in expected:
            raise ApiAnswer(405, {"detail": "Method Not Allowed"})
        self.check_auth(entry)
        with st.lock:
            rec = st.requests.get(rid)
            app_id = rec["app_id"] if rec else None
        entry["app_id"] = app_id
        handled, after = self.apply_fault(entry, op, app_id=app_id, request_id=rid)
        if handled:
            return
        if op == "status_stream":
            raise ApiAnswer(501, {"detail": "status/stream is not simulated; poll /status"})
        if rec is None or rec["owner_name"] != owner_name:
            if op == "cancel":
                raise ApiAnswer(404, {"status": "NOT_FOUND"})
            raise ApiAnswer(404, {"detail": "Request not found"})
        jobs = []
        headers = []
        with st.lock:
            jobs += st.advance_locked()
            if op == "status":
                q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
                with_logs = q.get("logs", "").lower() in ("1", "true", "yes")
                body = st.status_body(rec, with_logs)
                status = 200 if rec["status"] == "COMPLETED" else 202
            elif op == "result":
                if rec["status"] != "COMPLETED":
                    status, body = 400, {"detail": "Request is still in progress"}
                elif rec["outcome"] == "ok":
                    status, body = 200, rec["output"]
                elif rec["outcome"] == "cancelled":
                    status, body = 400, {"detail": "Request was cancelled"}
                else:
                    err = rec["error"]
                    status, body = err["status"], {"detail": err["detail"]}
                    if err.get("error_type"):
                        body["error_type"] = err["error_type"]
                        headers.append(("X-Fal-Error-Type", err["error_type"]))
            else:   # cancel
                if rec["status"] == "COMPLETED":
                    status, body = 400, {"status": "ALREADY_COMPLETED"}
                else:
                    status, body = 202, {"status": "CANCELLATION_REQUESTED"}
                    rec["cancel_requested"] = True
                    if rec["status"] == "IN_QUEUE":
                        job = st.finish(rec, "cancelled")
                        if job:
                            jobs.append(job)
                    elif st.config["cancel_in_progress"] == "stop" and rec["_cancel_at"] is None:
                        rec["_cancel_at"] = time.monotonic() + float(st.config["cancel_delay"])
                    st.changed.notify_all()
        self.server.start_jobs(jobs)
        self.answer_after(entry, after, status, body, headers)


class ControlApi:
    """JSON control API for the tests, under /_control/.

    GET  calls?since=SEQ&endpoint=E&path_prefix=P   -> [call, ...]
           call: {seq, time, method, path, query, headers (Authorization redacted), body,
                  endpoint (submit|status|result|cancel|jwks|file|status_stream|None), app_id,
                  request_id, auth_present, auth_ok, http_status (0: dropped), fault, response}
    GET  wait?count=N&endpoint=E&path_prefix=P&timeout=S&since=SEQ&ok=1
                                           -> matching calls (ok=1: only 2xx); 200 once there
                                              are >= N, 408 on timeout
    GET  requests                          -> [request, ...] in submit order
    GET  request?id=ID                     -> request (404 unknown)
    GET  wait_request?id=ID&status=S&outcome=O&timeout=T   -> request; 408 on timeout
    GET  config / POST config {k: v}       -> the configuration (POST merges, see DEFAULT_CONFIG;
                                              for generations: generation_duration, and nsfw,
                                              a count (the first N images of each generation
                                              flagged) or a list of flags by image index)
    POST fault {"kind", "count", "endpoint", "app_id", "request_id", "status", "detail",
                "error_type", "retry_after", "seconds", "times", "process", "at"}
         kind: 500 | 502 | 503 | 504 | 429 | stall | drop | http | malformed (endpoint:
               submit (default), status, result, cancel, jwks, file, list)
               process (drop, stall): the call is carried out, then its answer is lost (drop)
               or comes `seconds` late (stall); malformed: carried out, answered 200 with the
               JSON cut in half
               webhook_drop | webhook_duplicate (times) | webhook_delay (seconds) |
               webhook_reorder (seconds: longest wait) | webhook_tamper | webhook_forge |
               webhook_expired (seconds, default 600) | webhook_unsigned
               fail (status default 422, detail, error_type, at: end|start): fails the next
               submit (of app_id, when given: trainers and generators alike) or
               request_id. Every fault takes app_id, to aim at one generator or trainer.
    GET  faults                            -> armed faults
    POST reset                             -> forget everything, default configuration
    POST complete {"request_id", "outcome": ok|error, "status", "detail", "error_type"}
                                           -> end the request now (webhook as usual)
    POST redeliver {"request_id", "url"?, "wait": true}  -> send its webhook again
    POST send_webhook {"url", "body" (object or string), "sign", "key" (good|k1|k2|forged),
                       "timestamp", "tamper", "request_id", "user_id"}   -> the attempt
    GET  webhooks?request_id=ID&since=SEQ  -> delivery attempts
           {seq, delivery_id, kind (auto|redeliver|manual), request_id, url, attempt, copy,
            sent, faults, headers, body_text, signed_with, timestamp, tampered,
            http_status (None: no answer), error, response, elapsed, time}
    GET  wait_webhooks?count=N&request_id=ID&since=SEQ&timeout=S&ok=0|1
    GET  keys                              -> {"k1": x, "k2": x, "forged": x} (public keys)
    """

    def __init__(self, handler):
        self.h = handler
        self.st = handler.st

    def handle(self, name, query, raw):
        q = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        try:
            args = json.loads(raw.decode("utf-8")) if raw.strip() else {}
            if not isinstance(args, dict):
                raise BadControl("body must be a JSON object")
            fn = getattr(self, "c_" + name.strip("/"), None)
            if fn is None:
                return self.h.send_json(404, {"ok": False, "description": "unknown control call"})
            status, out = fn(q, args)
        except (BadControl, ValueError, KeyError, TypeError) as e:
            status, out = 400, {"ok": False, "description": "bad control request: %s" % e}
        self.h.send_json(status, out)

    @staticmethod
    def matching(calls, q):
        since = int(q.get("since", 0))
        endpoint = q.get("endpoint")
        prefix = q.get("path_prefix")
        ok_only = q.get("ok", "0") in ("1", "true")
        out = []
        for c in calls:
            if c["seq"] <= since:
                continue
            if endpoint and c["endpoint"] != endpoint:
                continue
            if prefix and not c["path"].startswith(prefix):
                continue
            if ok_only and not (c["http_status"] and 200 <= c["http_status"] < 300):
                continue
            out.append(c)
        return json.loads(json.dumps(out))

    def wait_for(self, q, fn):
        timeout = float(q.get("timeout", 10))
        deadline = time.monotonic() + timeout
        with self.st.lock:
            while True:
                found, done = fn()
                left = deadline - time.monotonic()
                if done or left <= 0:
                    return (200 if done else 408), found
                self.st.changed.wait(min(left, 0.2))

    def c_calls(self, q, args):
        with self.st.lock:
            return 200, self.matching(self.st.calls, q)

    def c_wait(self, q, args):
        count = int(q.get("count", 1))
        q.setdefault("ok", "1")

        def fn():
            found = self.matching(self.st.calls, q)
            return found, len(found) >= count
        return self.wait_for(q, fn)

    def c_requests(self, q, args):
        with self.st.lock:
            self.h.server.start_jobs(self.st.advance_locked())
            return 200, [self.st.request_view(self.st.requests[r]) for r in self.st.order]

    def c_request(self, q, args):
        with self.st.lock:
            self.h.server.start_jobs(self.st.advance_locked())
            rec = self.st.requests.get(q.get("id") or args.get("request_id"))
            if rec is None:
                return 404, {"ok": False, "description": "no such request"}
            return 200, self.st.request_view(rec)

    def c_wait_request(self, q, args):
        rid = q["id"]
        want_status = q.get("status")
        want_outcome = q.get("outcome")

        def fn():
            rec = self.st.requests.get(rid)
            if rec is None:
                return None, False
            view = self.st.request_view(rec)
            done = ((not want_status or rec["status"] == want_status)
                    and (not want_outcome or rec["outcome"] == want_outcome))
            return view, done
        with self.st.lock:
            if rid not in self.st.requests:
                return 404, {"ok": False, "description": "no such request"}
        return self.wait_for(q, fn)

    def c_config(self, q, args):
        with self.st.lock:
            if self.h.command == "POST":
                for k, v in args.items():
                    if k not in DEFAULT_CONFIG:
                        raise BadControl("unknown config key %r" % k)
                    if k == "validation" and v not in ("submit", "runner"):
                        raise BadControl("validation is submit or runner")
                    if k == "cancel_in_progress" and v not in ("stop", "ignore"):
                        raise BadControl("cancel_in_progress is stop or ignore")
                    if k == "signing_key" and v not in ("k1", "k2"):
                        raise BadControl("signing_key is k1 or k2")
                    if k == "jwks_keys" and (not isinstance(v, list)
                                             or any(x not in ("k1", "k2") for x in v)):
                        raise BadControl("jwks_keys is a list of k1/k2")
                    if k == "nsfw" and not (
                            (isinstance(v, int) and not isinstance(v, bool) and v >= 0)
                            or (isinstance(v, list) and all(isinstance(x, bool) for x in v))):
                        raise BadControl("nsfw is a count or a list of booleans")
                    if k == "generation_duration" and v is not None and (
                            isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0):
                        raise BadControl("generation_duration is null or seconds")
                for k, v in args.items():
                    self.st.config[k] = v
            return 200, dict(self.st.config)

    def c_fault(self, q, args):
        kind = str(args["kind"])
        if kind not in FAULT_KINDS:
            raise BadControl("unknown fault kind %r (%s)" % (kind, ", ".join(FAULT_KINDS)))
        endpoint = args.get("endpoint")
        if kind in ENDPOINT_FAULTS:
            endpoint = endpoint or "submit"
            if endpoint not in ENDPOINTS:
                raise BadControl("unknown endpoint %r" % endpoint)
        fault = {"kind": kind, "remaining": int(args.get("count", 1)), "used": 0,
                 "endpoint": endpoint if kind in ENDPOINT_FAULTS else None,
                 "app_id": args.get("app_id"), "request_id": args.get("request_id"),
                 "status": args.get("status"), "detail": args.get("detail"),
                 "error_type": args.get("error_type"), "retry_after": args.get("retry_after"),
                 "seconds": args.get("seconds"), "times": args.get("times"),
                 "process": bool(args.get("process", False)), "at": args.get("at")}
        if fault["remaining"] < 1:
            raise BadControl("count must be >= 1")
        if kind == "fail" and fault["at"] not in (None, "end", "start"):
            raise BadControl("at is end or start")
        with self.st.lock:
            if kind == "fail" and fault["request_id"]:
                rec = self.st.requests.get(fault["request_id"])
                if rec is None:
                    raise BadControl("no such request")
                rec["_fail"] = {"status": int(fault["status"] or 422), "detail": fault["detail"],
                                "error_type": fault["error_type"]}
                rec["_fail_at"] = fault["at"] or "end"
            else:
                self.st.faults.append(fault)
        return 200, {"ok": True}

    def c_faults(self, q, args):
        with self.st.lock:
            return 200, [dict(f) for f in self.st.faults]

    def c_reset(self, q, args):
        with self.st.lock:
            self.st.reset_locked()
        return 200, {"ok": True}

    def c_complete(self, q, args):
        rid = args["request_id"]
        outcome = args.get("outcome", "ok")
        if outcome not in ("ok", "error"):
            raise BadControl("outcome is ok or error")
        with self.st.lock:
            rec = self.st.requests.get(rid)
            if rec is None:
                return 404, {"ok": False, "description": "no such request"}
            if rec["status"] == "COMPLETED":
                return 409, {"ok": False, "description": "already completed"}
            fail = None
            if outcome == "error":
                fail = rec["_fail"] or {"status": 422, "detail": None, "error_type": None}
                if args.get("status") is not None:
                    fail = dict(fail, status=int(args["status"]))
                if args.get("detail") is not None:
                    fail = dict(fail, detail=args["detail"])
                if args.get("error_type") is not None:
                    fail = dict(fail, error_type=args["error_type"])
            job = self.st.finish(rec, outcome, fail)
            view = self.st.request_view(rec)
        self.h.server.start_jobs([job] if job else [])
        return 200, view

    def c_redeliver(self, q, args):
        rid = args["request_id"]
        with self.st.lock:
            rec = self.st.requests.get(rid)
            if rec is None:
                return 404, {"ok": False, "description": "no such request"}
            if rec["status"] != "COMPLETED":
                return 409, {"ok": False, "description": "the request has not ended"}
        wait = bool(args.get("wait", True))
        attempts = self.h.hooks.start({"request_id": rid, "kind": "redeliver"}, faults=[],
                                      url=args.get("url"), wait=wait)
        return 200, json.loads(json.dumps(attempts if wait else {"ok": True}))

    def c_send_webhook(self, q, args):
        url = args["url"]
        body = args.get("body", {})
        raw = body.encode("utf-8") if isinstance(body, str) else webhook_bytes(body)
        rid = args.get("request_id")
        if rid is None:
            rid = body.get("request_id") if isinstance(body, dict) else None
        rid = str(rid or uuid.uuid4())
        rec = self.h.hooks.send_one(url, raw, rid, sign=bool(args.get("sign", True)),
                                    key=args.get("key", "good"),
                                    timestamp=args.get("timestamp"),
                                    tamper=bool(args.get("tamper", False)),
                                    user_id=args.get("user_id"))
        rec.update({"attempt": 1, "copy": 0, "faults": []})
        with self.st.lock:
            self.st.delivery_counter += 1
            d = {"id": self.st.delivery_counter, "request_id": rid, "url": url, "kind": "manual",
                 "generation": self.st.generation}
        return 200, json.loads(json.dumps(self.h.hooks.record(d, rec)))

    @staticmethod
    def deliveries_matching(deliveries, q):
        since = int(q.get("since", 0))
        rid = q.get("request_id")
        ok = q.get("ok")
        kind = q.get("kind")
        out = []
        for d in deliveries:
            if d["seq"] <= since or (rid and d["request_id"] != rid):
                continue
            if kind and d["kind"] != kind:
                continue
            if q.get("sent", "1") in ("1", "true") and not d["sent"]:
                continue
            if ok in ("1", "true") and not (d["http_status"] and 200 <= d["http_status"] < 300):
                continue
            out.append({k: v for k, v in d.items() if k != "time_mono"})
        return json.loads(json.dumps(out))

    def c_webhooks(self, q, args):
        q.setdefault("sent", "0")
        with self.st.lock:
            return 200, self.deliveries_matching(self.st.deliveries, q)

    def c_wait_webhooks(self, q, args):
        count = int(q.get("count", 1))

        def fn():
            found = self.deliveries_matching(self.st.deliveries, q)
            return found, len(found) >= count
        return self.wait_for(q, fn)

    def c_keys(self, q, args):
        with self.st.lock:
            out = {n: self.st.public_key_x(n) for n in self.st.signing_keys}
            out["forged"] = b64url(self.st.forged_key.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw))
            return 200, out


class Server(standin_http.Server):
    def __init__(self, addr, key):
        super().__init__(addr, Handler)
        self.state = State(key, self.server_address[1])
        self.webhooks = Webhooks(self.state)
        self._stop = threading.Event()
        self.ticker = threading.Thread(target=self.tick, daemon=True)
        self.ticker.start()

    def start_jobs(self, jobs):
        for job in jobs:
            try:
                self.webhooks.start(job)
            except BadControl:
                pass

    def tick(self):
        while not self._stop.wait(0.05):
            with self.state.lock:
                jobs = self.state.advance_locked()
            self.start_jobs(jobs)

    def server_close(self):
        self._stop.set()
        super().server_close()


def main(argv=None):
    ap = standin_http.arguments("FAL queue API stand-in for tests")
    ap.add_argument("--key", default=os.environ.get("FAL_STANDIN_KEY", DEFAULT_KEY),
                    help="the only FAL key accepted (default: the tests' key)")
    args = ap.parse_args(argv)
    return standin_http.serve(Server((args.bind, args.port), args.key), "fal-standin", args)


if __name__ == "__main__":
    sys.exit(main())
