// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface CreateBackupRequest {
}

export interface CreateBackupRequest__Output {
}
