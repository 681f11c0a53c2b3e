//! `notifications-preview`: renders templates with sample variables to files, so the emails
//! can be looked at in a browser and a text editor without sending anything.
//!
//! ```text
//! notifications-preview --out previews                      # every template
//! notifications-preview --out previews --template sign_in_code
//! notifications-preview --out previews --template verify_email --vars my-vars.json
//! ```
//!
//! For each template it writes `<id>.html`, `<id>.txt` and `<id>.subject.txt`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mercato_notifications::templates::{Templates, ids, sample_vars};

/// Render email templates to files.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Folder to write the previews into (created if missing).
    #[arg(long, default_value = "previews")]
    out: PathBuf,
    /// Only this template (default: all).
    #[arg(long)]
    template: Option<String>,
    /// A JSON file of variables to use instead of the sample ones (needs --template).
    #[arg(long, requires = "template")]
    vars: Option<PathBuf>,
    /// Locale written in the HTML.
    #[arg(long, default_value = "en")]
    locale: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let templates = Templates::new();
    let chosen: Vec<String> = match &args.template {
        Some(id) => vec![id.clone()],
        None => ids().map(str::to_owned).collect(),
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut out = std::io::stdout().lock();
    for id in chosen {
        let vars = match &args.vars {
            Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)
                .with_context(|| format!("{} is not JSON", path.display()))?,
            None => sample_vars(&id).with_context(|| {
                format!(
                    "unknown template {id:?}; known: {}",
                    ids().collect::<Vec<_>>().join(", ")
                )
            })?,
        };
        let vars = vars
            .as_object()
            .cloned()
            .context("the variables must be a JSON object")?;
        let email = templates.render(&id, &args.locale, &vars)?;
        std::fs::write(args.out.join(format!("{id}.html")), &email.html)?;
        std::fs::write(args.out.join(format!("{id}.txt")), &email.text)?;
        std::fs::write(args.out.join(format!("{id}.subject.txt")), &email.subject)?;
        writeln!(out, "{id}: {}", email.subject)?;
    }
    writeln!(out, "previews written to {}", args.out.display())?;
    Ok(())
}
