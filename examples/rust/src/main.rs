//! recommend: the best pins for one pin of a Boardwalk graph, from Rust
//! through libboardwalk's C ABI (src/ffi.rs), linked by build.rs through
//! pkg-config.
//!
//!     cargo build --release --offline      (PKG_CONFIG_PATH as for C; see the README)
//!     target/release/recommend GRAPH PIN [TOP]
//!
//! Prints one line per result, best first: rank, pin id, score, visits and
//! title, separated by tabs. The walk uses seed 1, so the output is the same
//! as `boardwalk query GRAPH --pin PIN --top TOP --seed 1` and the same query
//! from C, Go or Python. Every failure is reported with bw_strerror's text.
mod ffi;

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::{c_char, c_int};
use std::process::exit;
use std::ptr;

/// A libboardwalk return code, shown with its bw_strerror text.
#[derive(Debug)]
struct BwError {
    call: &'static str,
    code: c_int,
    detail: String,
}

impl fmt::Display for BwError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // bw_strerror returns a static string for every code, never NULL.
        let text = unsafe { CStr::from_ptr(ffi::bw_strerror(self.code)) }.to_string_lossy();
        write!(f, "{}: {}", self.call, text)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

fn check(call: &'static str, code: c_int) -> Result<(), BwError> {
    if code == 0 {
        Ok(())
    } else {
        Err(BwError {
            call,
            code,
            detail: String::new(),
        })
    }
}

/// An open graph; closed when dropped.
struct Graph(*mut ffi::bw_graph);

impl Graph {
    /// Opens with full verification: do that for graph files you did not build.
    fn open(path: &str) -> Result<Graph, BwError> {
        let cpath = CString::new(path).map_err(|_| BwError {
            call: "open",
            code: ffi::BW_EINVAL,
            detail: path.into(),
        })?;
        let mut graph = ptr::null_mut();
        let mut why = [0 as c_char; 256];
        let rc = unsafe {
            ffi::bw_graph_open_ex(
                cpath.as_ptr(),
                ffi::BW_OPEN_VERIFY,
                &mut graph,
                why.as_mut_ptr(),
                why.len(),
            )
        };
        if rc != 0 {
            let detail = unsafe { CStr::from_ptr(why.as_ptr()) }
                .to_string_lossy()
                .into_owned();
            return Err(BwError {
                call: "bw_graph_open_ex",
                code: rc,
                detail,
            });
        }
        Ok(Graph(graph))
    }

    /// A pin's title, copied out of the graph's memory map (it is not NUL-terminated).
    fn title(&self, pin: u64) -> String {
        let (mut p, mut n): (*const c_char, usize) = (ptr::null(), 0);
        if unsafe { ffi::bw_graph_node_title(self.0, ffi::BW_PIN, pin, &mut p, &mut n) } != 0
            || n == 0
        {
            return String::new();
        }
        let bytes = unsafe { std::slice::from_raw_parts(p as *const u8, n) };
        String::from_utf8_lossy(bytes).into_owned()
    }
}

impl Drop for Graph {
    fn drop(&mut self) {
        unsafe { ffi::bw_graph_close(self.0) }
    }
}

struct Query(*mut ffi::bw_query);

impl Drop for Query {
    fn drop(&mut self) {
        unsafe { ffi::bw_query_free(self.0) }
    }
}

struct Results(*mut ffi::bw_results);

impl Drop for Results {
    fn drop(&mut self) {
        unsafe { ffi::bw_results_free(self.0) } // accepts NULL
    }
}

struct Recommendation {
    pin: u64,
    score: f64,
    visits: u64,
    title: String,
}

fn recommend(path: &str, pin: u64, top: u32) -> Result<Vec<Recommendation>, BwError> {
    let graph = Graph::open(path)?;
    let mut q = ptr::null_mut();
    check("bw_query_new", unsafe { ffi::bw_query_new(&mut q) })?;
    let query = Query(q);
    check("bw_query_add_pin", unsafe {
        ffi::bw_query_add_pin(query.0, pin, 1.0)
    })?;
    check("bw_query_set_top", unsafe {
        ffi::bw_query_set_top(query.0, top)
    })?;
    check("bw_query_set_seed", unsafe {
        ffi::bw_query_set_seed(query.0, 1)
    })?;

    let mut results = Results(ptr::null_mut());
    // BW_ENOTFOUND here means the pin is not in the graph.
    check("bw_recommend", unsafe {
        ffi::bw_recommend(graph.0, query.0, &mut results.0)
    })?;
    let count = unsafe { ffi::bw_results_count(results.0) };
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let (mut id, mut score, mut visits) = (0u64, 0f64, 0u64);
        check("bw_results_get", unsafe {
            ffi::bw_results_get(results.0, i, &mut id, &mut score, &mut visits)
        })?;
        out.push(Recommendation {
            pin: id,
            score,
            visits,
            title: graph.title(id),
        });
    }
    Ok(out)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 && args.len() != 4 {
        eprintln!("usage: {} GRAPH PIN [TOP]", args[0]);
        exit(64);
    }
    let number = unsafe { ffi::bw_libversion_number() };
    if number / 1_000_000 != ffi::BW_VERSION_MAJOR {
        let have = unsafe { CStr::from_ptr(ffi::bw_libversion()) }.to_string_lossy();
        eprintln!(
            "libboardwalk {have} does not match src/ffi.rs (major {})",
            ffi::BW_VERSION_MAJOR
        );
        exit(1);
    }
    let Ok(pin) = args[2].parse::<u64>() else {
        eprintln!("not a pin id: {:?}", args[2]);
        exit(64);
    };
    let top = match args.get(3).map(|s| s.parse::<u32>()) {
        None => 10,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            eprintln!("not a count: {:?}", args[3]);
            exit(64);
        }
    };
    match recommend(&args[1], pin, top) {
        Ok(recs) => {
            for (i, r) in recs.iter().enumerate() {
                // {:?} of an f64 is its shortest round-trip form, as in Go and Python.
                println!(
                    "{}\t{}\t{:?}\t{}\t{}",
                    i + 1,
                    r.pin,
                    r.score,
                    r.visits,
                    r.title
                );
            }
        }
        Err(e) => {
            if e.code == ffi::BW_ENOTFOUND {
                eprintln!("recommend: pin {pin} is not in the graph ({e})");
            } else {
                eprintln!("recommend: {e}");
            }
            exit(1);
        }
    }
}
