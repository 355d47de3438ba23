//! The shape of the source tree (docs/architecture.md): no hand-written file under `src/` or
//! `ui/src/` is over 800 lines, and no module of the core imports one that imports it back
//! (a parent and its own child modules aside).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CEILING: usize = 800;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            // Generated from the core by `flexdesk gen-ts`.
            if !p.ends_with("bindings") {
                files(&p, out);
            }
        } else if ["rs", "ts", "tsx", "css"]
            .iter()
            .any(|e| p.extension().is_some_and(|x| x == *e))
        {
            out.push(p);
        }
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_hand_written_file_is_over_eight_hundred_lines() {
    let mut all = vec![];
    files(&root().join("src"), &mut all);
    files(&root().join("ui/src"), &mut all);
    let long: Vec<String> = all
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).unwrap().lines().count();
            (n > CEILING).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split along a seam: {long:?}");
}

/// The module a file is, as a path (`src/sync/pull/adopt.rs` → sync, pull, adopt).
fn module_of(file: &Path, src: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Every `crate::a::b` and `super::b` a file names, as module paths of at most two parts.
fn references(text: &str, me: &[String]) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    let word = |s: &str| -> Option<String> {
        let w: String = s
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        (!w.is_empty()).then_some(w)
    };
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (i, _) in code.match_indices("crate::") {
            let rest = &code[i + 7..];
            if let Some(a) = word(rest) {
                let mut path = vec![a.clone()];
                if let Some(b) = rest[a.len()..].strip_prefix("::").and_then(word) {
                    path.push(b);
                }
                out.insert(path);
            }
        }
        for (i, _) in code.match_indices("super::") {
            if code[..i].ends_with("::") {
                continue;
            }
            if let Some(x) = word(&code[i + 7..]) {
                let mut path = me[..me.len().saturating_sub(1)].to_vec();
                path.push(x);
                path.truncate(2);
                out.insert(path);
            }
        }
    }
    out
}

/// Pairs of nodes that reach each other in `graph`.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let reach = |from: &String| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(m) = todo.pop() {
            for t in graph.get(&m).into_iter().flatten() {
                if seen.insert(t.clone()) {
                    todo.push(t.clone());
                }
            }
        }
        seen
    };
    let mut out = vec![];
    for (a, to) in graph {
        for b in to {
            if a < b && reach(b).contains(a) {
                out.push(format!("{a} ↔ {b}"));
            }
        }
    }
    out
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = root().join("src");
    let mut all = vec![];
    files(&src, &mut all);
    // (file's module path, the module paths it names)
    let mut named = vec![];
    for f in all
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "rs") && !f.starts_with(src.join("bin")))
    {
        let me = module_of(f, &src);
        if !me.is_empty() {
            let refs = references(&std::fs::read_to_string(f).unwrap(), &me);
            named.push((me, refs));
        }
    }
    let modules: BTreeSet<Vec<String>> = named
        .iter()
        .flat_map(|(m, _)| (1..=m.len().min(2)).map(|n| m[..n].to_vec()))
        .collect();
    // The top level: each module with everything under it (services, sync, http, …).
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // One level down, inside each top-level module: its child modules, each with its subtree.
    let mut inner: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (me, refs) in &named {
        for r in refs {
            if r[0] != me[0] && modules.contains(&r[..1]) {
                top.entry(me[0].clone()).or_default().insert(r[0].clone());
            }
            if me.len() >= 2
                && r.len() == 2
                && r[0] == me[0]
                && r[1] != me[1]
                && modules.contains(r)
            {
                inner
                    .entry(me[0].clone())
                    .or_default()
                    .entry(me[1].clone())
                    .or_default()
                    .insert(r[1].clone());
            }
        }
    }
    let mut found = cycles(&top);
    for (parent, graph) in &inner {
        found.extend(cycles(graph).into_iter().map(|c| format!("{parent}: {c}")));
    }
    assert!(found.is_empty(), "import cycles: {found:?}");
    assert!(
        top.len() > 8,
        "the module map was read ({} modules)",
        top.len()
    );
}
