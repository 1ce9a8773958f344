//! The part of boardwalk.h this example calls, declared by hand: opaque
//! handles, fixed-width integers, `int` return codes (0 is success, any other
//! value goes to `bw_strerror`). See boardwalk.h for every function's rules.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_double, c_int};

/// The boardwalk.h these declarations follow (BW_VERSION_MAJOR).
pub const BW_VERSION_MAJOR: u32 = 0;
pub const BW_PIN: c_int = 0;
pub const BW_OPEN_VERIFY: u32 = 0x1;
pub const BW_EINVAL: c_int = -30996;
pub const BW_ENOTFOUND: c_int = -30995;

#[repr(C)]
pub struct bw_graph {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct bw_query {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct bw_results {
    _opaque: [u8; 0],
}

extern "C" {
    pub fn bw_libversion() -> *const c_char;
    pub fn bw_libversion_number() -> u32;
    pub fn bw_strerror(code: c_int) -> *const c_char;

    pub fn bw_graph_open_ex(
        path: *const c_char,
        flags: u32,
        out_graph: *mut *mut bw_graph,
        out_message: *mut c_char,
        message_capacity: usize,
    ) -> c_int;
    pub fn bw_graph_close(graph: *mut bw_graph);
    pub fn bw_graph_node_title(
        graph: *const bw_graph,
        kind: c_int,
        id: u64,
        out_title: *mut *const c_char,
        out_len: *mut usize,
    ) -> c_int;

    pub fn bw_query_new(out_query: *mut *mut bw_query) -> c_int;
    pub fn bw_query_free(query: *mut bw_query);
    pub fn bw_query_add_pin(query: *mut bw_query, pin: u64, weight: c_double) -> c_int;
    pub fn bw_query_set_top(query: *mut bw_query, top: u32) -> c_int;
    pub fn bw_query_set_seed(query: *mut bw_query, seed: u64) -> c_int;

    pub fn bw_recommend(
        graph: *const bw_graph,
        query: *const bw_query,
        out_results: *mut *mut bw_results,
    ) -> c_int;
    pub fn bw_results_count(results: *const bw_results) -> usize;
    pub fn bw_results_get(
        results: *const bw_results,
        index: usize,
        out_id: *mut u64,
        out_score: *mut c_double,
        out_visits: *mut u64,
    ) -> c_int;
    pub fn bw_results_free(results: *mut bw_results);
}
