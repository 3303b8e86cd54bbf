# C types of cleaner/strip/langfeatures.py when Cython compiles it (pure-Python mode; see setup.py)
cimport cython

cdef class FeatureWalk:
    cdef public object nextmove
    cdef public object rowbase
    cdef public object output
    cdef public object counts
    cdef public object lock

    @cython.locals(found_view="Py_ssize_t[:]", nextmove="const unsigned int[:]", rowbase="const unsigned int[:]",
                   output="const int[:]", state=Py_ssize_t, k=Py_ssize_t, letter="unsigned char",
                   feature=int, counts="int[:]", seen_view="int[:]", j=Py_ssize_t)
    cpdef object features(self, bytes text)


@cython.locals(count=Py_ssize_t, ch=Py_UCS4)
cpdef Py_ssize_t letter_count(str text)
