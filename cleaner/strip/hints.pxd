# C types of cleaner/strip/hints.py when Cython compiles it (pure-Python mode; see setup.py)
cimport cython

cdef int _ASCII
cdef Py_ssize_t _MAX_KEYS
cdef object _UNSEEN

cdef int _SINGLE, _PAIR, _OTHER
cdef Py_UCS4 _NO_THIRD

cdef class HintScan:
    cdef public object always
    cdef public bytes pair_group
    cdef public list groups
    cdef public list thirds
    cdef public dict other
    cdef public dict single
    cdef public bytes starts
    cdef public bytes third_mask
    cdef public bint other_ascii

    @cython.locals(n=Py_ssize_t, p=Py_ssize_t, e=Py_ssize_t, c0=Py_ssize_t, c1=Py_ssize_t, c2=Py_ssize_t, g=int, flags=int,
                   starts=bytes, third_mask=bytes, pair_group=bytes, groups=list, thirds=list, third=str, entries=tuple,
                   other=dict, single=dict, other_ascii=bint)
    cpdef object hits(self, str s, Py_ssize_t start=*)


cpdef Py_UCS4 key_char(Py_UCS4 ch)  # (compiled: a character, no string object per call)

@cython.locals(k=Py_ssize_t, head=str)
cpdef str dispatch_key(str low)


cdef class PrefixDispatch:
    cdef public list parts
    cdef public dict compiled
    cdef public list levels
    cdef public tuple anyhow
    cdef public dict by_key

    cpdef object pattern(self, tuple chosen)

    @cython.locals(found=object)
    cpdef object pattern_for(self, str key)

    @cython.locals(k=Py_ssize_t, levels=list, found=object)
    cpdef object _choose(self, str key)

@cython.locals(k=Py_ssize_t, code=Py_ssize_t)
cpdef str hint_text(str low)

cdef bytearray _FOLDED

@cython.locals(known=int)
cdef bint _changed_by_fold(Py_ssize_t code)
