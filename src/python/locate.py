# Parallel Runner's Python target finder: reads a module's source from stdin, parses it with Python's own `ast`
# (nothing runs) and prints one JSON object: every runnable top-level target, or the syntax error.
#
# Usage: python locate.py <file>   (source on stdin, UTF-8)
# Targets: a top-level def / async def ('function'), a class with a run() method, including a subclass of
# multiprocessing.Process ('class-run': each task constructs it with its arguments and calls run()), and a
# @staticmethod or @classmethod as Class.method ('static-method'). Other methods are listed as refusals with a reason.
import ast
import json
import sys


def _params(args, drop_first):
    names = [a.arg for a in list(getattr(args, 'posonlyargs', [])) + list(args.args)]
    if drop_first and names:
        names = names[1:]
    if args.vararg:
        names.append('*' + args.vararg.arg)
    return names


def _name_column(lines, node, name):
    """1-based column of `name` after the node's keyword, in characters (ast's col_offset counts UTF-8 bytes)."""
    text = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else ''
    at = text.find(name, len(text.encode('utf-8')[:node.col_offset].decode('utf-8', 'replace')))
    return (at if at >= 0 else 0) + 1


def _first_line(node):
    decorators = getattr(node, 'decorator_list', [])
    return min([node.lineno] + [d.lineno for d in decorators])


def _decorator_names(node):
    names = []
    for d in node.decorator_list:
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Name):
            names.append(target.id)
        elif isinstance(target, ast.Attribute):
            names.append(target.attr)
    return names


def _base_names(node):
    names = []
    for base in node.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def scan(source, file):
    tree = ast.parse(source, filename=file)
    lines = source.splitlines()
    candidates = []
    refusals = []

    def add(target, start, end, nested=False):
        candidates.append({'target': target, 'start': start, 'end': end, 'nested': nested})

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            add({
                'file': file, 'name': node.name, 'kind': 'function', 'line': node.lineno,
                'column': _name_column(lines, node, node.name), 'params': _params(node.args, False),
                'isAsync': isinstance(node, ast.AsyncFunctionDef),
            }, _first_line(node), node.end_lineno)
        elif isinstance(node, ast.ClassDef):
            methods = {m.name: m for m in node.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
            run = methods.get('run')
            init = methods.get('__init__')
            bases = _base_names(node)
            if run is not None:
                add({
                    'file': file, 'name': node.name, 'kind': 'class-run', 'line': node.lineno,
                    'column': _name_column(lines, node, node.name),
                    'params': _params(init.args, True) if init is not None else [],
                    'isAsync': False, 'processSubclass': 'Process' in bases,
                }, _first_line(node), node.end_lineno)
            else:
                refusals.append({
                    'start': _first_line(node), 'end': node.end_lineno, 'name': node.name,
                    'reason': 'class %s has no run() method: give it one (each task constructs the class with its arguments and calls run()), '
                              'or put the cursor on a @staticmethod or @classmethod' % node.name,
                })
            for method in methods.values():
                decorators = _decorator_names(method)
                qualified = '%s.%s' % (node.name, method.name)
                if 'staticmethod' in decorators or 'classmethod' in decorators:
                    add({
                        'file': file, 'name': qualified, 'kind': 'static-method', 'line': method.lineno,
                        'column': _name_column(lines, method, method.name),
                        'params': _params(method.args, 'classmethod' in decorators),
                        'isAsync': isinstance(method, ast.AsyncFunctionDef),
                    }, _first_line(method), method.end_lineno, nested=True)
                elif run is None or method is not run:
                    if run is None:
                        refusals.append({
                            'start': _first_line(method), 'end': method.end_lineno, 'name': qualified,
                            'reason': '%s is an instance method: a task has no instance to call it on. Make it a @staticmethod or '
                                      '@classmethod, or give the class a run() method' % qualified,
                        })
    return candidates, refusals


def main():
    file = sys.argv[1]
    source = sys.stdin.buffer.read().decode('utf-8', 'replace')
    try:
        candidates, refusals = scan(source, file)
    except SyntaxError as exc:
        print(json.dumps({'syntaxError': {
            'message': '%s: %s' % (type(exc).__name__, exc.msg), 'line': exc.lineno or 1, 'column': exc.offset or 1,
        }}))
        return
    print(json.dumps({'candidates': candidates, 'refusals': refusals, 'version': sys.version.split()[0]}))


if __name__ == '__main__':
    main()
