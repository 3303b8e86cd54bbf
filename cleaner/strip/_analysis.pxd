# C types of cleaner/strip/_analysis.py when Cython compiles it (pure-Python mode; see setup.py).
# Only types: every decision is in the .py.
cimport cython
from cleaner.strip.segment cimport Line
from cleaner.strip.hints cimport HintScan, PrefixDispatch

cdef int _PROSE, _OTHER, _NOISE
cdef Py_ssize_t _MEMO_LINES, _MAX_MEMOS


cdef class Analysis:
    cdef public str source
    cdef public object rules
    cdef public object options
    cdef public object evidence
    cdef public list lines
    cdef public list noise
    cdef public list cls
    cdef public list barrier
    cdef public list starts_list
    cdef public set in_headline_run
    cdef public set announced
    cdef public list site_prose
    cdef public set table_row
    cdef public dict caption_at
    cdef public object attribution
    cdef public object title
    cdef public object title_line
    cdef public object site_key
    cdef public dict repeated
    cdef public object core

    @cython.locals(i=Py_ssize_t, n=Py_ssize_t, words=Py_ssize_t, cap=Py_ssize_t, min_words=Py_ssize_t,
                   min_unterminated=Py_ssize_t, limit=Py_ssize_t, line=Line, lines=list, cls=list, noise=list,
                   memo=dict, short_counts=dict, keys=list, caption_at=dict, entry=tuple, prose=bint, body=str, key=str,
                   rule_of=dict, repeated=dict, extracted=bint)
    cpdef _classify(self)

    @cython.locals(found=Py_ssize_t, capitalised=Py_ssize_t, tokens=list, token=str)
    cpdef bint _wordy(self, str body)

    @cython.locals(i=Py_ssize_t, c=int, prose_chars=Py_ssize_t, runs=list, pending=list, scores=list)
    cpdef object _find_core(self)

    @cython.locals(words=Py_ssize_t, ending=int, prose=bint, body=str, capped=str, low=str, hint_low=str,
                   r=Py_ssize_t, scan=HintScan, search=tuple, dispatch=PrefixDispatch, entry=tuple, noise=list)
    cpdef tuple _line_rules(self, Py_ssize_t i, Line line, Py_ssize_t cap, Py_ssize_t min_words,
                            Py_ssize_t min_unterminated)

    @cython.locals(n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, separators=Py_ssize_t, members=list,
                   headline_like=list, noise=list, labelled=bint)
    cpdef _find_headline_runs(self)

    @cython.locals(i=Py_ssize_t, j=Py_ssize_t, n=Py_ssize_t, lines=list, cls=list, noise=list, barrier=list)
    cpdef _release_barriers_before_prose(self)

    @cython.locals(i=Py_ssize_t, c=int, length=Py_ssize_t, scores=list, lines=list, cls=list, barrier=list,
                   noise=list, gap=double, weight=double, wall=double, item=double, inline=double, line=Line)
    cpdef list _scores(self)

    @cython.locals(i=Py_ssize_t, a=Py_ssize_t, b=Py_ssize_t, k=Py_ssize_t, stops=Py_ssize_t, noise=list, cls=list,
                   meta=list, cluster=list, listed=set)
    cpdef set _listed_metadata(self)

    @cython.locals(n=Py_ssize_t, i=Py_ssize_t, lo=Py_ssize_t, hi=Py_ssize_t, kinds=list, lines=list, noise=list,
                   cls=list, headline_like=list, list_mode=bint, broad_list=bint, inside=bint, line=Line,
                   kept=list, spans=list, source=str)
    cpdef tuple result_parts(self)

    @cython.locals(i=Py_ssize_t, line=Line, lines=list, cls=list, flags=list)
    cpdef list _headline_flags(self)

    @cython.locals(j=Py_ssize_t)
    cpdef bint _beside_list(self, Py_ssize_t i, list headline_like)


@cython.locals(best=double, current=double, score=double, start=Py_ssize_t, i=Py_ssize_t)
cpdef object _best_run(list scores, Py_ssize_t lo, Py_ssize_t hi)

cdef object _SPAN_SET_START, _SPAN_SET_END, _SPAN_SET_KIND, _SPAN_SET_REASON

@cython.locals(span=object)
cdef object _new_span(Py_ssize_t start, Py_ssize_t end, str kind, str reason)

@cython.locals(k=Py_ssize_t, n=Py_ssize_t, start=Py_ssize_t, end=Py_ssize_t, merged=list)
cpdef list _merge_spans(list spans, str source)

@cython.locals(k=Py_ssize_t, head=str, digits=bint)
cpdef bint _is_table_row(str body, Py_ssize_t words)

@cython.locals(first=Py_UCS4)
cpdef bint _is_figure_or_code(str body)
