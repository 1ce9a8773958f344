// Links libboardwalk where `pkg-config --libs boardwalk` says (the pkg-config
// command, not a crate: this example has no dependencies). Set
// PKG_CONFIG_PATH=PREFIX/lib/pkgconfig for a library installed with
// `Tools/install --prefix PREFIX`.
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    let out = Command::new("pkg-config")
        .args(["--libs", "boardwalk"])
        .output()
        .expect("build.rs: cannot run pkg-config");
    if !out.status.success() {
        panic!(
            "build.rs: pkg-config --libs boardwalk failed ({}); install Boardwalk (Tools/install) and set PKG_CONFIG_PATH",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut libdirs = Vec::new();
    for flag in String::from_utf8_lossy(&out.stdout).split_whitespace() {
        if let Some(dir) = flag.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
            libdirs.push(dir.to_string());
        } else if let Some(lib) = flag.strip_prefix("-l") {
            println!("cargo:rustc-link-lib=dylib={lib}");
        }
    }
    // Record the library's directory in the binary (RUNPATH), so that it runs
    // without LD_LIBRARY_PATH, as a C program linked with -Wl,-rpath would.
    for dir in libdirs {
        println!("cargo:rustc-link-arg-bins=-Wl,-rpath,{dir}");
    }
}
