# C types of cleaner/strip/segment.py when Cython compiles it (pure-Python mode; see setup.py)
cimport cython

cdef frozenset SENTENCE_END, CLOSERS, CLAUSE_END, BULLETS
cdef Py_ssize_t WRAP_MIN_COLUMNS, WRAP_MAX_COLUMNS, WRAP_SLACK, WRAP_TIGHT, WRAP_MIN_LINES, WRAP_WIDTH_NEAR


cdef class Line:
    cdef readonly Py_ssize_t start
    cdef readonly Py_ssize_t end
    cdef readonly str text
    cdef readonly str body
    cdef readonly Py_ssize_t body_offset
    cdef readonly bint bullet
    cdef readonly Py_ssize_t words
    cdef readonly int ending

    cdef _set(self, Py_ssize_t start, Py_ssize_t end, str text, str body, Py_ssize_t body_offset, bint bullet,
              Py_ssize_t words, int ending)


@cython.locals(line=Line)
cdef Line _new_line(Py_ssize_t start, Py_ssize_t end, str text, str body, Py_ssize_t body_offset, bint bullet,
                    Py_ssize_t words, int ending)


cdef bint _blank(Py_UCS4 c)

@cython.locals(n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, e=Py_ssize_t, offset=Py_ssize_t, bullet=bint,
               s=str, body=str, lines=list)
cpdef list split_lines(str text)

@cython.locals(words=Py_ssize_t, length=Py_ssize_t, parts=list)
cpdef Py_ssize_t count_words(str s)

@cython.locals(found=Py_ssize_t, c=Py_UCS4)
cpdef Py_ssize_t no_space_chars(str s)

@cython.locals(last=Py_UCS4)
cpdef int ending_of(str s)


@cython.locals(n=Py_ssize_t, k=Py_ssize_t, low=Py_ssize_t, best=Py_ssize_t, end=Py_ssize_t, width=Py_ssize_t, full=Py_ssize_t, joins=Py_ssize_t, chained=Py_ssize_t,
               lower=Py_ssize_t, followed=Py_ssize_t, column=Py_ssize_t, length=Py_ssize_t, lengths=list,
               columns=list, spacing=list)
cpdef Py_ssize_t wrap_width(str text, list lines)

@cython.locals(k=Py_ssize_t, joins=Py_ssize_t, run=Py_ssize_t)
cpdef Py_ssize_t _reading_on(str text, list lines, list columns, list spacing, Py_ssize_t width)

@cython.locals(k=Py_ssize_t, n=Py_ssize_t, out=list, first=Line, last=Line, columns=list, spacing=list)
cpdef list _reflow(str text, list lines, Py_ssize_t width)

cpdef Py_ssize_t _end_column(str text, Line line)

@cython.locals(k=Py_ssize_t, columns=list)
cpdef list _end_columns(str text, list lines)

cdef int _SPACED, _FEW_SPACES, _OF_WORDS

@cython.locals(found=int, text=str)
cpdef int _spacing(list lines, list known, Py_ssize_t k)

@cython.locals(column=Py_ssize_t, word=Py_ssize_t, last=Line, nxt=Line)
cpdef bint _goes_on(str text, list lines, list columns, list spacing, Py_ssize_t k, Py_ssize_t width)

@cython.locals(c=Py_UCS4)
cpdef bint _starts_capitalised(str s)

@cython.locals(k=Py_ssize_t)
cpdef Py_ssize_t _first_word_length(str s)
