package main

import "syscall"

// childProcAttr makes a task process die with the run that started it: a
// task left running after its parent was killed would race the next run on
// the work directory's files.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
