"""spaCy's CPU layers multiply matrices with numpy's BLAS, on one thread, instead of thinc's bundled BLIS.

Most of a CPU pipeline's time is matrix products: en_core_web_sm's tok2vec,
tagger, parser and NER layers are thinc ``Maxout``/``Linear`` layers, and a
py-spy profile of ``kg build`` put about 40% of all its samples on the one
``ops.gemm`` line of ``thinc.layers.maxout.forward``. thinc's ``NumpyOps``
computes that product with the BLIS kernels of the ``blis`` wheel; numpy's own
BLAS (OpenBLAS in numpy's wheels, Accelerate on macOS) is about three times
faster at these shapes on one thread (8,000 × 288 by 288 × 288: 41.7 ms with
BLIS, 14.0 ms with numpy on this project's 2-core machine). thinc itself offers
the switch, ``NumpyOps(use_blis=False)``, which delegates ``gemm`` to
``numpy.dot``; :func:`swap_in` gives every layer of a loaded pipeline such an
ops object. Measured on 100 PolNeAR train articles, raw ``nlp.pipe`` took 13.9
→ 10.8 s (medians of two), and the 77,584 tokens' tags, heads, dependencies and
entities were identical (``tests/nlp/test_gemm_ops.py`` checks this on fixed
text). The products are the same sums in another order, so a score may differ
in its last bits; an annotation changes only where two scores tie that closely.

Layers can also be made while kg parses: when a doc reaches the NER with an
entity label its model lacks (kg's gazetteer's ``TITLE``), spaCy adds the label
and builds a new output layer, on BLIS (``use_ops("cpu")`` in
``spacy.ml.models.parser``). :func:`parsing` switches such layers too, before
each batch (a walk over the layers: 0.05 ms).

numpy's BLAS would use every core for a large product. kg's parallelism is
processes (``kg build --processes N``, Dask workers), and spaCy's own BLIS runs
on one thread, so :func:`one_thread` keeps the products on one BLAS thread while
kg parses (``threadpoolctl``, the library scikit-learn uses for the same; the
relation encoder uses it too).

``KG_NUMPY_GEMM=0`` keeps thinc's BLIS (for a numpy linked to a slow reference
BLAS, or to compare).
"""

from __future__ import annotations

import contextlib
import functools
import os
from typing import ContextManager, Iterator

from spacy.language import Language
from thinc.api import NumpyOps

#: Environment switch: ``0`` keeps thinc's BLIS products.
ENV = "KG_NUMPY_GEMM"


def enabled() -> bool:
    """Whether :func:`swap_in` switches pipelines to numpy's BLAS (``KG_NUMPY_GEMM`` is not ``0``)."""
    return os.environ.get(ENV, "1") != "0"


@functools.lru_cache(maxsize=1)
def numpy_gemm_ops() -> NumpyOps:
    """The one ``NumpyOps`` of this process whose ``gemm`` is ``numpy.dot`` (thinc's ``use_blis=False``)."""
    return NumpyOps(use_blis=False)


def swap_in(nlp: Language) -> int:
    """Give every thinc layer of ``nlp`` that runs on thinc's BLIS ``NumpyOps`` the numpy-BLAS ops instead.

    Layers on other ops (a GPU's ``CupyOps``, Apple's ops, a subclass) are left
    as they are. Returns how many layers were switched (0 when
    ``KG_NUMPY_GEMM=0`` or nothing runs on BLIS); idempotent.
    """
    if not enabled():
        return 0
    ops = numpy_gemm_ops()
    switched = 0
    for _, component in nlp.components:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for layer in model.walk():
            if type(layer.ops) is NumpyOps and layer.ops.use_blis:
                layer.ops = ops
                switched += 1
    return switched


@functools.lru_cache(maxsize=1)
def _controller():
    """A ``threadpoolctl`` controller of the BLAS libraries loaded in this process (looked up once)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_thread() -> ContextManager[object]:
    """Run the block with every BLAS library of this process limited to one thread, then restore the limits.

    Why: OpenBLAS starts a thread per core in every process. With
    ``--processes 2`` on two cores that is four busy threads (the relation
    encoder's build took 3.1× as long, 43.6 s against 14.0 s on 40 articles),
    and in one process two threads saved the encoder only 10% of the wall time
    for 50% more CPU. kg's parallelism is processes.
    """
    return _controller().limit(limits=1, user_api="blas")


@contextlib.contextmanager
def parsing(nlp: Language) -> Iterator[None]:
    """Run ``nlp`` for kg: layers made since the last batch switched (:func:`swap_in`), BLAS on one thread."""
    swap_in(nlp)
    with one_thread():
        yield
