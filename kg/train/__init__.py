"""Training for the trained components (:mod:`kg.nlp.trained`).

``kg train statements`` and ``kg train relations`` read a checked-in TOML
config (``configs/*.toml``), parse the training corpus from ``../shared/data``
with the same spaCy pipeline the NLP stage uses (parses are cached, keyed by
the texts and the pipeline), train a CRFsuite model with the config's fixed
settings and write ``<name>.crfsuite`` plus ``<name>.json`` (config, label
counts, training time) into the output directory, ``kg/data/models/`` by
default, where the package loads them from.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import tomllib
from pathlib import Path
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from kg.errors import ConfigError

log = logging.getLogger(__name__)

CONFIG_DIR = Path(__file__).resolve().parent.parent.parent / "configs"


def read_config(path: str | os.PathLike) -> dict:
    """Read a TOML training config.

    Raises:
        ConfigError: the file is missing or not valid TOML.
    """
    p = Path(path)
    try:
        with open(p, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as e:
        raise ConfigError(f"training config {str(p)!r} not found; pass --config with an existing file "
                          f"(the shipped ones are in {CONFIG_DIR})") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"training config {str(p)!r} is not valid TOML: {e}") from e


def cache_dir() -> Path:
    """Where parses are cached: ``$KG_CACHE`` or ``~/.cache/kg/parses``."""
    return Path(os.environ.get("KG_CACHE") or Path.home() / ".cache" / "kg" / "parses")


def parse(nlp: Language, texts: list[str], tag: str, batch_size: int = 8) -> list[Doc]:
    """Parse ``texts`` with ``nlp``, reusing a cached DocBin when the texts and pipeline match."""
    from kg.nlp.trained import ENTITIES, ENTITIES_PIPE, MODEL_DIR, enabled

    h = hashlib.sha256()
    h.update(f"trained={enabled()}".encode())
    weights = MODEL_DIR / f"{ENTITIES}.crfsuite"
    if enabled() and ENTITIES_PIPE in nlp.pipe_names and weights.is_file():
        h.update(hashlib.sha256(weights.read_bytes()).digest())  # the entity tagger's output is in the parse
    h.update(("|".join(nlp.pipe_names) + nlp.meta.get("name", "") + nlp.meta.get("version", "")).encode())
    for t in texts:
        h.update(t.encode("utf-8"))
        h.update(b"\0")
    path = cache_dir() / f"{tag}-{h.hexdigest()[:16]}.spacy"
    if path.is_file():
        log.info("parses from cache %s", path)
        return list(DocBin().from_disk(path).get_docs(nlp.vocab))
    from kg.nlp import gemm_ops

    with gemm_ops.parsing(nlp):  # as kg parses at run time: numpy's BLAS, one thread
        docs = list(nlp.pipe(texts, batch_size=batch_size))
    path.parent.mkdir(parents=True, exist_ok=True)
    DocBin(docs=docs).to_disk(path)
    return docs


def add_tensors(nlp, docs: list, batch_size: int = 64) -> None:
    """Set ``doc.tensor`` on parses read back from the cache (a DocBin does not store it).

    The pipeline's ``tok2vec`` reads only the tokens' lexical attributes, so
    running it again on a cached parse gives the vectors the trained
    components see at run time (the test suite checks they are equal).
    """
    from kg.nlp.trained.features import has_tensor

    if "tok2vec" not in nlp.pipe_names:
        raise ConfigError(f"dense features need the spaCy pipeline's tok2vec; {nlp.meta.get('name', '?')} has none "
                          f"({nlp.pipe_names}); use a [features] set without dense features")
    from kg.nlp import gemm_ops

    tok2vec = nlp.get_pipe("tok2vec")
    todo = [d for d in docs if not has_tensor(d)]
    with gemm_ops.parsing(nlp):
        for i in range(0, len(todo), batch_size):
            batch = todo[i:i + batch_size]
            tok2vec.set_annotations(batch, tok2vec.predict(batch))


def new_trainer(opts: dict):
    """A CRFsuite trainer from a config section: ``algorithm`` picks it, every other key is a parameter."""
    import pycrfsuite

    trainer = pycrfsuite.Trainer(algorithm=opts.get("algorithm", "lbfgs"), verbose=False)
    trainer.set_params({k: v for k, v in opts.items() if k != "algorithm"})
    return trainer


def train_model(trainer, out_dir: Path, name: str) -> Path:
    """Train ``trainer`` into ``out_dir/name.crfsuite`` (written whole, then renamed into place)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.crfsuite"
    tmp = out_dir / f".{name}.crfsuite.tmp"
    trainer.train(str(tmp))
    tmp.replace(path)
    return path


def write_meta(out_dir: Path, name: str, meta: dict) -> None:
    """Write the model's settings and provenance to ``out_dir/name.json``."""
    (out_dir / f"{name}.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def finish(trainer, out_dir: Path, name: str, meta: dict, started: float, featurised: float) -> dict:
    """Train ``trainer`` into ``out_dir``, add the timings to ``meta`` and write it beside the weights.

    Args:
        started: ``time.perf_counter()`` when the command began; featurised:
            seconds spent parsing and building features (the rest is training).
    """
    t1 = time.perf_counter()
    path = train_model(trainer, out_dir, name)
    meta["seconds"] = {"parse_and_features": round(featurised, 1), "train": round(time.perf_counter() - t1, 1),
                       "total": round(time.perf_counter() - started, 1)}
    write_meta(out_dir, name, meta)
    log.info("%s model written to %s", name, path)
    return meta


def take(items: Iterable, n: int | None) -> list:
    out = []
    for x in items:
        if n is not None and len(out) >= n:
            break
        out.append(x)
    return out
