/* The lookup of grapevine.sources._typed.RawMemo, in C: an optional speed-up.
 *
 * lookup(seen, raw, key_bytes) returns what RawMemo remembers for these exact bytes, or None.
 * `seen` maps the first `key_bytes` bytes of an object (bytes) to (its bytes, its value); a hit
 * needs the whole bytes to be equal. It is what RawMemo.get does first, without building a
 * memoryview, a slice and a bytes object in Python for every author of every line.
 * tests/unit/test_rawmemo.py checks both ways agree.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *lookup(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 3 || !PyDict_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "lookup(seen: dict, raw, key_bytes: int)");
        return NULL;
    }
    Py_ssize_t key_bytes = PyLong_AsSsize_t(args[2]);
    if (key_bytes < 0) {
        return PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
    }
    Py_buffer raw;
    if (PyObject_GetBuffer(args[1], &raw, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    PyObject *key = PyBytes_FromStringAndSize(raw.buf, raw.len < key_bytes ? raw.len : key_bytes);
    if (key == NULL) {
        goto done;
    }
    PyObject *entry = PyDict_GetItemWithError(args[0], key); /* borrowed */
    Py_DECREF(key);
    if (entry == NULL) {
        result = PyErr_Occurred() ? NULL : Py_NewRef(Py_None);
        goto done;
    }
    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 2) {
        PyErr_SetString(PyExc_TypeError, "RawMemo entries are (bytes, value) pairs");
        goto done;
    }
    Py_buffer stored;
    if (PyObject_GetBuffer(PyTuple_GET_ITEM(entry, 0), &stored, PyBUF_SIMPLE) < 0) {
        goto done;
    }
    int same = stored.len == raw.len && memcmp(stored.buf, raw.buf, raw.len) == 0;
    PyBuffer_Release(&stored);
    result = Py_NewRef(same ? PyTuple_GET_ITEM(entry, 1) : Py_None);
done:
    PyBuffer_Release(&raw);
    return result;
}

static PyMethodDef methods[] = {
    {"lookup", (PyCFunction)(void (*)(void))lookup, METH_FASTCALL,
     "lookup(seen, raw, key_bytes, /)\n--\n\nWhat RawMemo remembers for these exact bytes, or None."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "grapevine.sources._rawmemo", "A C fast path for grapevine.sources._typed.RawMemo.", -1,
    methods,
};

PyMODINIT_FUNC PyInit__rawmemo(void) { return PyModule_Create(&module); }
