//! The layout rule that keeps the tree readable: no two modules of a crate import each other,
//! directly or around a loop. Every `crate::` and `super::` path in non-test code counts, in
//! `use` lines, inline paths and macro arguments alike; a feature's `mod.rs` may re-export its
//! own children, and a child may name its own feature's `mod.rs`.
//!
//! And the rule that keeps the route table whole: no code outside the registrar
//! (`src/web/routes.rs`) registers an HTTP route with actix directly, so every route the portal
//! serves is in `hallway::web::route_table()` and hence in the authorization test.
//! Likewise CSRF tokens are compared only by `auth::guard` (with named, shrinking exceptions).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module path such as `["rooms", "handlers"]` (empty: the crate root).
type ModPath = Vec<String>;

/// One import found in the source, for the failure message.
#[derive(Clone, Debug)]
struct Edge {
    from: ModPath,
    to: ModPath,
    line: usize,
}

fn show(m: &ModPath) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        format!("crate::{}", m.join("::"))
    }
}

/// Collects every `crate::…`/`super::…` path of one file, skipping `#[cfg(test)]` items.
struct Collector {
    here: ModPath,
    paths: Vec<(Vec<String>, usize)>,
    test_children: Vec<String>,
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let t = a.meta.require_list().map(|l| l.tokens.to_string());
            t.is_ok_and(|t| t.split(|c: char| !c.is_alphanumeric()).any(|w| w == "test"))
        }
    })
}

fn use_tree_paths(prefix: &mut Vec<String>, tree: &syn::UseTree, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_tree_paths(prefix, &p.tree, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut v = prefix.clone();
            v.push(n.ident.to_string());
            out.push(v);
        }
        syn::UseTree::Rename(r) => {
            let mut v = prefix.clone();
            v.push(r.ident.to_string());
            out.push(v);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_tree_paths(prefix, t, out);
            }
        }
    }
}

/// `crate :: a :: b` / `super :: a` sequences inside macro tokens.
fn macro_paths(tokens: proc_macro2::TokenStream, out: &mut Vec<(Vec<String>, usize)>) {
    let toks: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            proc_macro2::TokenTree::Group(g) => macro_paths(g.stream(), out),
            proc_macro2::TokenTree::Ident(id) if id == "crate" || id == "super" => {
                let line = id.span().start().line;
                let mut segs = vec![id.to_string()];
                let mut j = i + 1;
                loop {
                    let colons = matches!(
                        (toks.get(j), toks.get(j + 1)),
                        (Some(proc_macro2::TokenTree::Punct(a)), Some(proc_macro2::TokenTree::Punct(b)))
                            if a.as_char() == ':' && b.as_char() == ':'
                    );
                    match (colons, toks.get(j + 2)) {
                        (true, Some(proc_macro2::TokenTree::Ident(next))) => {
                            segs.push(next.to_string());
                            j += 3;
                        }
                        _ => break,
                    }
                }
                if segs.len() > 1 {
                    out.push((segs, line));
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            syn::Item::Struct(s) => &s.attrs,
            syn::Item::Enum(e) => &e.attrs,
            syn::Item::Const(c) => &c.attrs,
            syn::Item::Static(s) => &s.attrs,
            syn::Item::Macro(m) => &m.attrs,
            syn::Item::Trait(t) => &t.attrs,
            _ => &[],
        };
        if is_cfg_test(attrs) {
            if let syn::Item::Mod(m) = item {
                if m.content.is_none() {
                    self.test_children.push(m.ident.to_string());
                }
            }
            return;
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        let mut out = Vec::new();
        use_tree_paths(&mut Vec::new(), &u.tree, &mut out);
        let line = u.use_token.span.start().line;
        for p in out {
            self.paths.push((p, line));
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        let segs: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = p.segments.first() {
            self.paths.push((segs, first.ident.span().start().line));
        }
        syn::visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        macro_paths(m.tokens.clone(), &mut self.paths);
        syn::visit::visit_macro(self, m);
    }
}

/// The module a source file defines, relative to the crate's `src/`.
fn module_of(rel: &Path) -> ModPath {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let file = parts.pop().unwrap_or_default();
    let stem = file.trim_end_matches(".rs").to_owned();
    if stem != "mod" && stem != "lib" {
        parts.push(stem);
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every module-to-module import of the crate whose sources are `files` (path relative to
/// `src/`, text), binaries (`main.rs`) and test-only modules left out.
fn edges_of(files: &[(PathBuf, String)]) -> (BTreeSet<ModPath>, Vec<Edge>) {
    let mut parsed = Vec::new();
    let mut test_only: BTreeSet<ModPath> = BTreeSet::new();
    for (rel, text) in files {
        if rel == Path::new("main.rs") {
            continue;
        }
        let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        let here = module_of(rel);
        let mut c = Collector {
            here: here.clone(),
            paths: Vec::new(),
            test_children: Vec::new(),
        };
        c.visit_file(&file);
        for child in &c.test_children {
            let mut m = here.clone();
            m.push(child.clone());
            test_only.insert(m);
        }
        parsed.push(c);
    }
    let is_test = |m: &ModPath| test_only.iter().any(|t| m.starts_with(t));
    let modules: BTreeSet<ModPath> = parsed
        .iter()
        .map(|c| c.here.clone())
        .filter(|m| !is_test(m))
        .collect();
    let mut edges = Vec::new();
    for c in parsed.iter().filter(|c| !is_test(&c.here)) {
        for (segs, line) in &c.paths {
            let mut base: ModPath = match segs.first().map(String::as_str) {
                Some("crate") => Vec::new(),
                Some("super") => {
                    let mut b = c.here.clone();
                    b.pop();
                    b
                }
                _ => continue,
            };
            let mut rest = &segs[1..];
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
            // The longest prefix that is a module file.
            let mut target = base.clone();
            for s in rest {
                let mut next = target.clone();
                next.push(s.clone());
                if modules.contains(&next) {
                    target = next;
                } else {
                    break;
                }
            }
            let from = &c.here;
            let parent_reexport = target.starts_with(from) && target.len() > from.len();
            let names_own_feature = from.starts_with(&target) && !target.is_empty();
            if &target == from || parent_reexport || names_own_feature || target.is_empty() {
                continue;
            }
            edges.push(Edge {
                from: from.clone(),
                to: target,
                line: *line,
            });
        }
    }
    (modules, edges)
}

/// Strongly connected components with more than one module (Tarjan).
fn cycles(modules: &BTreeSet<ModPath>, edges: &[Edge]) -> Vec<Vec<ModPath>> {
    let index: BTreeMap<&ModPath, usize> =
        modules.iter().enumerate().map(|(i, m)| (m, i)).collect();
    let names: Vec<&ModPath> = modules.iter().collect();
    let mut adj = vec![BTreeSet::new(); names.len()];
    for e in edges {
        if let (Some(&a), Some(&b)) = (index.get(&e.from), index.get(&e.to)) {
            adj[a].insert(b);
        }
    }
    struct T<'a> {
        adj: &'a [BTreeSet<usize>],
        idx: Vec<Option<usize>>,
        low: Vec<usize>,
        on: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn strong(t: &mut T<'_>, v: usize) {
        t.idx[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in t.adj[v].clone().iter() {
            match t.idx[w] {
                None => {
                    strong(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.idx[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let n = names.len();
    let mut t = T {
        adj: &adj,
        idx: vec![None; n],
        low: vec![0; n],
        on: vec![false; n],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.idx[v].is_none() {
            strong(&mut t, v);
        }
    }
    t.out
        .into_iter()
        .map(|c| c.into_iter().map(|i| names[i].clone()).collect())
        .collect()
}

fn report(crate_dir: &str, modules: &BTreeSet<ModPath>, edges: &[Edge]) -> Vec<String> {
    cycles(modules, edges)
        .into_iter()
        .map(|comp| {
            let inside: Vec<String> = edges
                .iter()
                .filter(|e| comp.contains(&e.from) && comp.contains(&e.to))
                .map(|e| format!("    {} -> {} (line {})", show(&e.from), show(&e.to), e.line))
                .collect();
            format!(
                "{crate_dir}: import cycle between {}:\n{}",
                comp.iter().map(show).collect::<Vec<_>>().join(", "),
                inside.join("\n")
            )
        })
        .collect()
}

fn sources(src: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read source");
            (p.strip_prefix(src).expect("below src").to_path_buf(), text)
        })
        .collect()
}

#[test]
fn no_two_modules_of_the_app_or_its_crates_import_each_other() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let mut counted = 0;
    for dir in [".", "crates/hallway-schedule", "crates/hallway-bbb"] {
        let src = root.join(dir).join("src");
        if !src.join("lib.rs").exists() {
            continue;
        }
        let (modules, edges) = edges_of(&sources(&src));
        counted += edges.len();
        problems.extend(report(dir, &modules, &edges));
    }
    assert!(
        counted > 50,
        "the checker found only {counted} imports: is it reading the tree?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn the_cycle_check_sees_use_lines_inline_paths_macro_arguments_and_super() {
    let files = |b_text: &str| {
        vec![
            (
                PathBuf::from("lib.rs"),
                "pub mod a; pub mod b; pub mod c;".to_owned(),
            ),
            (
                PathBuf::from("a.rs"),
                "pub fn f() { crate::b::g() }\n#[cfg(test)] mod tests { use crate::c::X; }"
                    .to_owned(),
            ),
            (PathBuf::from("b.rs"), b_text.to_owned()),
            (PathBuf::from("c.rs"), "use crate::a::f;".to_owned()),
        ]
    };
    let cyc = |b: &str| {
        let (m, e) = edges_of(&files(b));
        cycles(&m, &e).len()
    };
    // b imports nothing: a -> b only (a's test module importing c does not count).
    assert_eq!(cyc("pub fn g() {}"), 0);
    // Each way of naming `a` from `b` closes the loop a -> b -> a.
    assert_eq!(cyc("use crate::a::f; pub fn g() {}"), 1);
    assert_eq!(cyc("pub fn g() { crate::a::f() }"), 1);
    assert_eq!(cyc("pub fn g() { tracing::info!(x = %crate::a::f()) }"), 1);
    assert_eq!(cyc("pub fn g() { super::a::f() }"), 1);
    // A longer loop: b -> c -> a -> b.
    assert_eq!(cyc("use crate::c::Y; pub fn g() {}"), 1);
}

/// How actix can be handed a route without the registrar: builder calls, resource and scope
/// constructors, and the attribute macros.
const ROUTE_CALLS: [&str; 4] = ["route", "service", "default_service", "configure"];
const ROUTE_CONSTRUCTORS: [&str; 4] = ["resource", "scope", "Resource", "Scope"];
const ROUTE_MACROS: [&str; 10] = [
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "route", "routes",
];

/// Each place that may register routes without the registrar, and why.
const ROUTE_EXCEPTIONS: [(&str, &str, &str); 4] = [
    ("web/routes.rs", "", "the registrar itself"),
    (
        "sim/",
        "",
        "the BBB simulator is an app of its own, not the portal",
    ),
    (
        "app.rs",
        "configure",
        "`App::configure(crate::web::routes)` mounts the registrar's table",
    ),
    (
        "app.rs",
        "route",
        "the separate `metrics.listen` listener (its own port, /metrics only)",
    ),
];

/// Every route registration outside the registrar in one file: (what, line).
struct RouteFinder {
    found: Vec<(String, usize)>,
}

impl<'ast> Visit<'ast> for RouteFinder {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let attrs: &[syn::Attribute] = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            _ => &[],
        };
        if is_cfg_test(attrs) {
            return;
        }
        if let syn::Item::Fn(f) = item {
            for a in &f.attrs {
                let name = a.path().segments.last().map(|s| s.ident.to_string());
                if let Some(name) = name.filter(|n| ROUTE_MACROS.contains(&n.as_str())) {
                    // `#[get("/path")]`, not `#[test]` or doc comments.
                    if a.meta.require_list().is_ok() {
                        self.found
                            .push((format!("#[{name}(..)]"), a.pound_token.span.start().line));
                    }
                }
            }
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let name = call.method.to_string();
        if ROUTE_CALLS.contains(&name.as_str()) {
            self.found
                .push((format!(".{name}(..)"), call.method.span().start().line));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let hit = match segs.as_slice() {
            [.., web, f] if web == "web" && ROUTE_CONSTRUCTORS.contains(&f.as_str()) => true,
            [.., t, new] if new == "new" && ROUTE_CONSTRUCTORS.contains(&t.as_str()) => true,
            _ => false,
        };
        if hit {
            let line = p.path.segments[0].ident.span().start().line;
            self.found.push((segs.join("::"), line));
        }
        syn::visit::visit_expr_path(self, p);
    }
}

/// Registrations in `files` (path relative to `src/`, text) that bypass the registrar.
fn route_bypasses(files: &[(PathBuf, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (rel, text) in files {
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{rel_s}: {e}"));
        let mut f = RouteFinder { found: Vec::new() };
        f.visit_file(&file);
        for (what, line) in f.found {
            let excused = ROUTE_EXCEPTIONS.iter().any(|(place, call, _)| {
                rel_s.starts_with(place) && (call.is_empty() || what == format!(".{call}(..)"))
            });
            if !excused {
                out.push(format!(
                    "src/{rel_s}:{line}: {what} registers a route outside the registrar: use \
                     `crate::web::routes::Routes` in the feature's `configure` (r.get / \
                     r.get_head / r.post), so the route is in `web::route_table()` and the \
                     authorization test (tests/api/authz.rs)"
                ));
            }
        }
    }
    out
}

#[test]
fn no_route_is_registered_outside_the_route_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = route_bypasses(&sources(&src));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    for (place, _, why) in ROUTE_EXCEPTIONS {
        assert!(!why.is_empty(), "{place} needs a reason");
    }
}

#[test]
fn the_route_check_sees_builder_calls_resources_scopes_and_attribute_macros() {
    let one = |path: &str, text: &str| route_bypasses(&[(PathBuf::from(path), text.to_owned())]);
    let clean = "pub fn configure(r: &mut Routes<'_>) { r.get(\"/x\", \"x\", x); }\n\
                 #[test] fn t() {}";
    assert!(one("schedule/feeds.rs", clean).is_empty());
    for sneaky in [
        "pub fn c(cfg: &mut web::ServiceConfig) { cfg.route(\"/x\", web::get().to(x)); }",
        "pub fn c(cfg: &mut web::ServiceConfig) { cfg.service(x); }",
        "pub fn c(cfg: &mut web::ServiceConfig) { cfg.service(web::resource(\"/x\")); }",
        "pub fn c() -> actix_web::Scope { web::scope(\"/x\") }",
        "pub fn c() -> Resource { Resource::new(\"/x\") }",
        "#[get(\"/x\")] async fn x() -> HttpResponse { todo!() }",
        "#[actix_web::post(\"/x\")] async fn x() -> HttpResponse { todo!() }",
    ] {
        assert!(!one("schedule/feeds.rs", sneaky).is_empty(), "{sneaky}");
    }
    // The simulator is its own app; the registrar is the registrar; test modules do not count.
    assert!(one(
        "sim/mod.rs",
        "fn c(cfg: &mut ServiceConfig) { cfg.route(\"/x\", r); }"
    )
    .is_empty());
    assert!(one(
        "web/routes.rs",
        "fn c(cfg: &mut ServiceConfig) { cfg.service(r); }"
    )
    .is_empty());
    assert!(one(
        "rooms/handlers.rs",
        "#[cfg(test)] mod tests { fn c() { App::new().route(\"/x\", r); } }"
    )
    .is_empty());
    // app.rs may mount the table and run the metrics listener, nothing else.
    assert!(one(
        "app.rs",
        "fn b() { App::new().configure(crate::web::routes); }"
    )
    .is_empty());
    assert_eq!(one("app.rs", "fn b() { App::new().service(x); }").len(), 1);
}

/// Files that may still compare a CSRF token themselves, and why: none, every form goes
/// through `auth::guard::Posted<T>` or `PostedMultipart`. Add a file here only with a reason.
const CSRF_BY_HAND: [(&str, &str); 0] = [];

#[test]
fn csrf_tokens_are_compared_in_one_place() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    for (rel, text) in sources(&src) {
        let rel = rel.to_string_lossy().replace('\\', "/");
        if rel == "auth/session.rs"
            || rel == "auth/guard.rs"
            || CSRF_BY_HAND.iter().any(|(f, _)| *f == rel)
        {
            continue;
        }
        for (i, line) in text.lines().enumerate() {
            if line.contains("verify_csrf(") {
                problems.push(format!(
                    "src/{rel}:{}: checks the CSRF token by hand: take auth::guard::Posted<T> \
                     (forms) or PostedMultipart (uploads) instead",
                    i + 1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
