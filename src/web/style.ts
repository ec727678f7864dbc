/** The pages' one stylesheet, served as /static/tidings.css (the pages' CSP allows only it). */
export const STYLESHEET = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --line: #d0d5dc; --bg: #ffffff; --soft: #f3f5f8; --accent: #2b5fb3; --warn-bg: #fff4d6; --warn-fg: #6b4e00; --bad: #a3262a; --good: #1d6b36; }
@media (prefers-color-scheme: dark) { :root { --fg: #e4e7eb; --muted: #9aa3ad; --line: #3a4048; --bg: #16191d; --soft: #1f2328; --accent: #7aa7ff; --warn-bg: #3d3314; --warn-fg: #f5d98a; --bad: #ff8a8a; --good: #7ed69a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.25rem; align-items: center; padding: .6rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--soft); }
header .brand { font-weight: 700; margin-right: auto; color: var(--fg); text-decoration: none; }
header form { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
a { color: var(--accent); }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.75rem 0 .5rem; }
table { width: 100%; border-collapse: collapse; margin: .5rem 0; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0 0 1rem; padding: .5rem 1rem 1rem; }
legend { font-weight: 600; padding: 0 .35rem; }
label { display: block; margin: .5rem 0 .2rem; }
label.inline { display: inline-flex; gap: .4rem; align-items: center; margin-right: 1rem; }
input[type=text], input[type=email], input[type=number], input[type=time], select, textarea { width: 100%; max-width: 32rem; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); font: inherit; }
textarea { min-height: 3.2rem; }
.hint { color: var(--muted); font-size: .85rem; margin: .15rem 0 0; }
button, .button { display: inline-block; padding: .4rem .9rem; border: 1px solid var(--accent); border-radius: 4px; background: var(--accent); color: #fff; font: inherit; cursor: pointer; text-decoration: none; }
button.secondary { background: transparent; color: var(--accent); }
button.danger { border-color: var(--bad); background: transparent; color: var(--bad); }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; margin: 1rem 0; }
.actions form { margin: 0; }
.banner { padding: .6rem 1rem; border-radius: 6px; margin: 0 0 1rem; }
.banner.dev { background: var(--warn-bg); color: var(--warn-fg); border: 1px dashed var(--warn-fg); }
.banner.error { border: 1px solid var(--bad); color: var(--bad); }
.banner.notice { border: 1px solid var(--good); color: var(--good); }
.tag { display: inline-block; padding: 0 .4rem; border-radius: 3px; background: var(--soft); border: 1px solid var(--line); font-size: .8rem; }
.tag.off { color: var(--bad); border-color: var(--bad); }
.muted { color: var(--muted); }
ul.issues { margin: .25rem 0 0; }
.preview li { margin: .3rem 0; }
code { font-size: .9em; }
`;
