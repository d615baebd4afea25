// Original file: proto/taskqueue/v1/taskqueue_service.proto


export interface GetServerStatusRequest {
}

export interface GetServerStatusRequest__Output {
}
