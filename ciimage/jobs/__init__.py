"""Asynchronous image jobs: CI's PicProcess jobs, inventory-triggered batches and `ciimage batch`.

- `xmlmap`, `model`: request and answer shapes (XML, JSON), checked and rendered.
- `store`: the durable SQLite store under `<root>/.ciimage/` (a package: schema, rows, job rows,
  batch rows, queue and callback outbox).
- `service`: what each job API call does; `batch`: enumeration (Prefix, Object, UrlFile, Manifest).
- `variables`: `${InputName}` and the other output-key variables.
- `worker`: the pure task a worker runs (execution plan and bytes in; no file system).
- `executors`: threads (`thread_executor`) or Dask `distributed`, behind one small interface;
  Dask tasks carry shipments of several jobs.
- `runner`, `dispatcher`: Submitted -> Running -> Success/Failed; the only writer of outputs.
- `callbacks`: the callback outbox's sender.
- `folder_batch`: `ciimage batch`'s engine over a folder.
"""
