# C types of cleaner/strip/langfeatures.py when Cython compiles it (pure-Python mode; see setup.py)
cimport cython

cdef Py_ssize_t _STREAMS, _WARMUP, _MIN_STRETCH

cdef class FeatureWalk:
    cdef public object nextmove
    cdef public object rowbase
    cdef public object output
    cdef public object counts
    cdef public object lock

    @cython.locals(data="const unsigned char[:]", n=Py_ssize_t, p=Py_ssize_t, stretch=Py_ssize_t, begin=Py_ssize_t,
                   states_view="unsigned int[:]", found_view="Py_ssize_t[:]", nextmove="const unsigned int[:]",
                   rowbase="const unsigned int[:]", output="const int[:]", state="unsigned int", s0="unsigned int",
                   s1="unsigned int", s2="unsigned int", s3="unsigned int", w1="unsigned int", w2="unsigned int",
                   w3="unsigned int", k=Py_ssize_t, feature=int, counts="int[:]", seen_view="int[:]", j=Py_ssize_t)
    cpdef object features(self, bytes text)


@cython.locals(count=Py_ssize_t, ch=Py_UCS4)
cpdef Py_ssize_t letter_count(str text)
