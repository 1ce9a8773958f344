/* errors.c - bw_strerror: static text for Boardwalk's codes, LMDB's codes
 * and errno values, so a binding needs one function to explain any failure. */
#include <errno.h>
#include <string.h>

#include <lmdb.h>

#include "boardwalk.h"

static const char *const bw_messages[] = {
    [BW_ENOTGRAPH - BW_ERRCODE_FIRST] = "BW_ENOTGRAPH: not a Boardwalk graph file",
    [BW_EVERSION - BW_ERRCODE_FIRST] = "BW_EVERSION: graph file has another format version",
    [BW_ECORRUPT - BW_ERRCODE_FIRST] = "BW_ECORRUPT: graph file is truncated, damaged or inconsistent",
    [BW_EINVAL - BW_ERRCODE_FIRST] = "BW_EINVAL: invalid argument",
    [BW_ENOTFOUND - BW_ERRCODE_FIRST] = "BW_ENOTFOUND: no such pin or board in the graph",
    [BW_ENOMEM - BW_ERRCODE_FIRST] = "BW_ENOMEM: out of memory",
    [BW_EEMPTY - BW_ERRCODE_FIRST] = "BW_EEMPTY: nothing to walk from",
    [BW_ERANGE - BW_ERRCODE_FIRST] = "BW_ERANGE: index out of range",
    [BW_ELIMIT - BW_ERRCODE_FIRST] = "BW_ELIMIT: a hard limit was reached",
    [BW_ENODATA - BW_ERRCODE_FIRST] = "BW_ENODATA: the graph has no such data",
};

const char *bw_strerror(int code) {
    if (code == 0) return "success";
    if (code >= BW_ERRCODE_FIRST && code <= BW_ERRCODE_LAST) {
        const char *m = bw_messages[code - BW_ERRCODE_FIRST];
        return m ? m : "unknown Boardwalk error";
    }
    if (code >= MDB_KEYEXIST && code <= MDB_LAST_ERRCODE) return mdb_strerror(code);
    if (code > 0) {
        /* mdb_strerror returns strerror() text for errno values; strerror is
         * not guaranteed thread-safe, so answer the common ones ourselves. */
        switch (code) {
        case ENOENT: return "No such file or directory";
        case EACCES: return "Permission denied";
        case ENOMEM: return "Cannot allocate memory";
        case EINVAL: return "Invalid argument";
        case EISDIR: return "Is a directory";
        case ENOSPC: return "No space left on device";
        case EIO: return "Input/output error";
        case EMFILE: return "Too many open files";
        case EROFS: return "Read-only file system";
        case EAGAIN: return "Resource temporarily unavailable";
        default: return "system error (errno)";
        }
    }
    return "unknown error code";
}
