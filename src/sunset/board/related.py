"""Related notices: TF-IDF over character n-grams (Chinese needs no word segmentation), cosine
similarity, the closest others first. Pure: texts in, ids out; scikit-learn imported lazily."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class RelatedIndex:
    """The TF-IDF vectors of a set of notices, built once, asked many times."""

    def __init__(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.ids = np.asarray(ids, dtype=np.int64)
        self._row = {int(i): n for n, i in enumerate(self.ids)}
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32
        )
        self._matrix: Any = vectorizer.fit_transform(texts) if len(texts) else None

    def __len__(self) -> int:
        return len(self.ids)

    def related(self, notice_id: int, k: int = 5) -> list[tuple[int, float]]:
        """The ``k`` other notices most similar to one, with their cosine similarity."""
        row = self._row.get(notice_id)
        if row is None or self._matrix is None:
            return []
        # A sparse matrix times a dense vector: one pass over the stored values, no sparse result.
        scores = np.asarray(self._matrix @ self._matrix[row].toarray().ravel()).ravel()
        scores[row] = -1.0
        take = min(k, len(scores) - 1)
        if take <= 0:
            return []
        best = np.argpartition(-scores, take - 1)[:take]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(self.ids[i]), round(float(scores[i]), 4)) for i in best if scores[i] > 0]
