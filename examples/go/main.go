// recommend: the best pins for one pin of a Boardwalk graph, from Go through
// cgo and libboardwalk's C ABI (boardwalk.h), found with pkg-config.
//
//	go build -o recommend .          (PKG_CONFIG_PATH as for C; see the README)
//	./recommend GRAPH PIN [TOP]
//
// Prints one line per result, best first: rank, pin id, score, visits and
// title, separated by tabs. The walk uses seed 1, so the output is the same
// as `boardwalk query GRAPH --pin PIN --top TOP --seed 1` and the same query
// from C or Python. Every failure is reported with bw_strerror's text.
package main

/*
#cgo pkg-config: boardwalk
#include <stdlib.h>
#include <boardwalk.h>
*/
import "C"

import (
	"fmt"
	"os"
	"strconv"
	"unsafe"
)

// bwError is a libboardwalk return code with its bw_strerror text.
type bwError struct {
	call string
	code C.int
}

func (e bwError) Error() string {
	return e.call + ": " + C.GoString(C.bw_strerror(e.code))
}

func check(call string, rc C.int) error {
	if rc != 0 {
		return bwError{call, rc}
	}
	return nil
}

type result struct {
	pin    uint64
	score  float64
	visits uint64
	title  string
}

func recommend(path string, pin uint64, top uint32) ([]result, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var why [256]C.char
	var graph *C.bw_graph
	// Verify the whole file first: do this for graph files you did not build.
	if rc := C.bw_graph_open_ex(cpath, C.BW_OPEN_VERIFY, &graph, &why[0], C.size_t(len(why))); rc != 0 {
		return nil, fmt.Errorf("%s: %s", C.GoString(C.bw_strerror(rc)), C.GoString(&why[0]))
	}
	defer C.bw_graph_close(graph)

	var query *C.bw_query
	if err := check("bw_query_new", C.bw_query_new(&query)); err != nil {
		return nil, err
	}
	defer C.bw_query_free(query)
	if err := check("bw_query_add_pin", C.bw_query_add_pin(query, C.uint64_t(pin), 1.0)); err != nil {
		return nil, err
	}
	if err := check("bw_query_set_top", C.bw_query_set_top(query, C.uint32_t(top))); err != nil {
		return nil, err
	}
	if err := check("bw_query_set_seed", C.bw_query_set_seed(query, 1)); err != nil {
		return nil, err
	}

	var results *C.bw_results
	// BW_ENOTFOUND here means the pin is not in the graph.
	if err := check("bw_recommend", C.bw_recommend(graph, query, &results)); err != nil {
		return nil, err
	}
	defer C.bw_results_free(results)

	n := int(C.bw_results_count(results))
	out := make([]result, 0, n)
	for i := 0; i < n; i++ {
		var id, visits C.uint64_t
		var score C.double
		if err := check("bw_results_get", C.bw_results_get(results, C.size_t(i), &id, &score, &visits)); err != nil {
			return nil, err
		}
		r := result{pin: uint64(id), score: float64(score), visits: uint64(visits)}
		var title *C.char
		var length C.size_t
		// The title lives in the graph's memory map and is not NUL-terminated:
		// copy it before the graph is closed.
		if C.bw_graph_node_title(graph, C.BW_PIN, id, &title, &length) == 0 && length > 0 {
			r.title = C.GoStringN(title, C.int(length))
		}
		out = append(out, r)
	}
	return out, nil
}

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintf(os.Stderr, "usage: %s GRAPH PIN [TOP]\n", os.Args[0])
		os.Exit(64)
	}
	if C.bw_libversion_number()/1000000 != C.BW_VERSION_MAJOR {
		fmt.Fprintf(os.Stderr, "libboardwalk %s does not match boardwalk.h %s\n",
			C.GoString(C.bw_libversion()), C.BW_VERSION_STRING)
		os.Exit(1)
	}
	pin, err := strconv.ParseUint(os.Args[2], 10, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "not a pin id: %q\n", os.Args[2])
		os.Exit(64)
	}
	top := uint64(10)
	if len(os.Args) == 4 {
		if top, err = strconv.ParseUint(os.Args[3], 10, 32); err != nil {
			fmt.Fprintf(os.Stderr, "not a count: %q\n", os.Args[3])
			os.Exit(64)
		}
	}
	recs, err := recommend(os.Args[1], pin, uint32(top))
	if err != nil {
		fmt.Fprintln(os.Stderr, "recommend:", err)
		os.Exit(1)
	}
	for i, r := range recs {
		fmt.Printf("%d\t%d\t%s\t%d\t%s\n", i+1, r.pin, strconv.FormatFloat(r.score, 'g', -1, 64), r.visits, r.title)
	}
}
