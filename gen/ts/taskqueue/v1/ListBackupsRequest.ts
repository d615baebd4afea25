// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface ListBackupsRequest {
}

export interface ListBackupsRequest__Output {
}
